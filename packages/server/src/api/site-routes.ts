import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { normalizeEmail } from '../auth/passwords.js';
import { HttpError } from '../http/errors.js';
import { readTrackerManifest, trackerSnippet } from '../ingest/tracker-routes.js';
import { daySummaryOf, installationOf } from '../sites/site-activity.js';
import { createSiteService, TransferError } from '../sites/site-service.js';
import { DuplicateSiteError, InvalidSiteError } from '../storage/meta/meta-store.js';
import type { ApiContext } from './context.js';
import { registerGoalRoutes } from './goal-routes.js';
import { registerInvitationRoutes } from './invitation-routes.js';
import { registerMemberRoutes } from './member-routes.js';
import { registerShareRoutes } from './share-routes.js';
import { createSiteGuards, siteSummary } from './site-guards.js';
import { ErrorBody, SiteParams, SiteSummaryBody } from './site-schemas.js';

export const SITE_NAME_MAX = 200;

const NewSiteBody = Type.Object({
  domain: Type.String({ maxLength: 300, description: 'e.g. example.com (scheme, www. and port are removed)' }),
  name: Type.Optional(Type.String({ maxLength: SITE_NAME_MAX, description: 'Display name; the domain when empty' })),
  timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone, default UTC' })),
});
const SiteUpdateBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: SITE_NAME_MAX })),
  domain: Type.Optional(Type.String({ maxLength: 300 })),
  timezone: Type.Optional(Type.String({ maxLength: 64 })),
  isPublic: Type.Optional(Type.Boolean({ description: 'Public dashboard at /share/<domain>' })),
});
const TransferBody = Type.Object({ email: Type.String({ maxLength: 512 }) });

/** Site names are shown in lists, mail subjects and page titles: one line, no control characters. */
function oneLine(name: string): string {
  return name.replace(/\p{Cc}+/gu, ' ').trim();
}

/** Maps the store's typed site errors to what the caller should fix. */
function siteStoreError(error: unknown): unknown {
  if (error instanceof InvalidSiteError) return new HttpError(400, error.message);
  if (error instanceof DuplicateSiteError) return new HttpError(409, `${error.message}; choose another domain`);
  return error;
}

/**
 * Sites and everything hanging off them: members, invitations, shared links, goals and funnels. Every route names the
 * weakest role it accepts; the check runs before the body is even read (site-guards.ts).
 */
export async function registerSiteRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const guards = createSiteGuards(ctx);
  const service = createSiteService({ meta: ctx.meta, events: ctx.events, logger: ctx.logger });
  app.addHook('onClose', async () => service.close());
  // Read once, like the script files themselves (tracker-routes.ts): they change only with a new build.
  const manifest = readTrackerManifest();
  const tags = ['sites'];

  app.get(
    '/api/sites',
    {
      schema: {
        summary: "The caller's sites, with the caller's role on each",
        tags,
        response: { 200: Type.Object({ sites: Type.Array(SiteSummaryBody) }) },
      },
      onRequest: guards.user('sites:read'),
    },
    async (request) => {
      const { user } = guards.userOf(request);
      const memberships = await ctx.meta.members.listSitesForUser(user.id);
      return { sites: memberships.map(({ site, role }) => siteSummary(site, role)) };
    },
  );

  app.post(
    '/api/sites',
    {
      schema: {
        summary: 'Add a site; the caller becomes its owner',
        tags,
        body: NewSiteBody,
        response: { 201: SiteSummaryBody, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
      onRequest: guards.user('sites:write'),
    },
    async (request, reply) => {
      const { user } = guards.userOf(request);
      if (user.emailVerifiedAt === null) {
        throw new HttpError(403, 'Verify your email address before adding a site');
      }
      const body = request.body as { domain: string; name?: string; timezone?: string };
      const site = await ctx.meta.sites
        .create({
          domain: body.domain,
          ...(body.name === undefined ? {} : { name: oneLine(body.name) }),
          ...(body.timezone === undefined || body.timezone.trim() === '' ? {} : { timezone: body.timezone }),
        })
        .catch((error: unknown) => {
          throw siteStoreError(error);
        });
      try {
        await ctx.meta.members.upsert(site.id, user.id, 'owner');
      } catch (error) {
        // A site nobody owns could never be managed or deleted: take it back out.
        await ctx.meta.sites.delete(site.id).catch(() => undefined);
        throw error;
      }
      await ctx.audit.record(request, {
        userId: user.id,
        siteId: site.id,
        action: 'site.created',
        details: { domain: site.domain },
      });
      return reply.code(201).send(siteSummary(site, 'owner'));
    },
  );

  app.get(
    '/api/sites/:siteId',
    {
      schema: { summary: 'One site', tags, params: SiteParams, response: { 200: SiteSummaryBody } },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => {
      const { site, role } = guards.siteOf(request);
      return siteSummary(site, role);
    },
  );

  app.patch(
    '/api/sites/:siteId',
    {
      schema: {
        summary: "Change a site's name, domain, time zone or public dashboard",
        tags,
        params: SiteParams,
        body: SiteUpdateBody,
        response: { 200: SiteSummaryBody, 400: ErrorBody, 409: ErrorBody },
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request) => {
      const { site, role, principal } = guards.siteOf(request);
      const body = request.body as { name?: string; domain?: string; timezone?: string; isPublic?: boolean };
      const updated = await ctx.meta.sites
        .update(site.id, {
          ...(body.name === undefined ? {} : { name: oneLine(body.name) }),
          ...(body.domain === undefined ? {} : { domain: body.domain }),
          ...(body.timezone === undefined ? {} : { timezone: body.timezone }),
          ...(body.isPublic === undefined ? {} : { isPublic: body.isPublic }),
        })
        .catch((error: unknown) => {
          throw siteStoreError(error);
        });
      if (updated !== undefined && updated.domain !== site.domain) ctx.sitesChanged?.();
      if (updated === undefined)
        throw new HttpError(404, `No site ${JSON.stringify(String(site.id))} among your sites`);
      const changed = Object.keys(body).filter((key) => ['name', 'domain', 'timezone', 'isPublic'].includes(key));
      if (changed.length > 0) {
        await ctx.audit.record(request, {
          userId: principal.user.id,
          siteId: site.id,
          action: 'site.updated',
          details: {
            domain: updated.domain,
            changed,
            ...(body.isPublic === undefined ? {} : { isPublic: body.isPublic }),
          },
        });
      }
      return siteSummary(updated, role);
    },
  );

  app.delete(
    '/api/sites/:siteId',
    {
      schema: { summary: 'Delete a site with all its events (owner)', tags, params: SiteParams },
      onRequest: guards.site('owner', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      await service.deleteSite(site);
      ctx.sitesChanged?.();
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: null,
        action: 'site.deleted',
        details: { siteId: site.id, domain: site.domain },
      });
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/sites/:siteId/transfer',
    {
      schema: {
        summary: 'Hand the site to another member (owner); the previous owner becomes admin',
        tags,
        params: SiteParams,
        body: TransferBody,
        response: { 204: Type.Null(), 400: ErrorBody },
      },
      onRequest: guards.site('owner', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const email = normalizeEmail((request.body as { email: string }).email);
      if (email === undefined) throw new HttpError(400, 'Give the email address of the member who should own the site');
      const target = await service.transferSite(site, principal.user, email).catch((error: unknown) => {
        throw error instanceof TransferError ? new HttpError(400, error.message) : error;
      });
      for (const userId of [principal.user.id, target.id]) {
        await ctx.audit.record(request, {
          userId,
          siteId: site.id,
          action: 'site.transferred',
          details: { domain: site.domain, from: principal.user.email, to: target.email },
        });
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/sites/:siteId/snippet',
    {
      schema: {
        summary: 'The tracking snippet to paste into the site, with its Subresource Integrity hash',
        tags,
        params: SiteParams,
        response: {
          200: Type.Object({
            html: Type.String(),
            scriptUrl: Type.String(),
            integrity: Type.Union([Type.String(), Type.Null()], {
              description: 'sha384-… of the versioned script; null when the tracker is not built',
            }),
          }),
        },
      },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => {
      const { site } = guards.siteOf(request);
      const publicUrl = ctx.config.publicUrl;
      const build = manifest.default;
      return {
        html: trackerSnippet({ publicUrl, domain: site.domain, manifest }),
        scriptUrl: build === undefined ? `${publicUrl}/js/s.js` : `${publicUrl}/js/${build.versionedFile}`,
        integrity: build?.sri ?? null,
      };
    },
  );

  app.get(
    '/api/sites/:siteId/installation',
    {
      schema: {
        summary: 'Whether events have arrived yet (the installation check)',
        tags,
        params: SiteParams,
        response: {
          200: Type.Object({
            installed: Type.Boolean(),
            firstEventAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
            lastEventAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          }),
        },
      },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => installationOf(ctx.events, guards.siteOf(request).site.id),
  );

  app.get(
    '/api/sites/:siteId/summary',
    {
      schema: {
        summary: 'Visitors of the last 24 hours, in total and per hour (sites list sparkline)',
        tags,
        params: SiteParams,
        response: {
          200: Type.Object({
            visitors24h: Type.Integer(),
            series: Type.Array(Type.Integer(), { minItems: 24, maxItems: 24 }),
          }),
        },
      },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => daySummaryOf(ctx.events, guards.siteOf(request).site.id, ctx.now()),
  );

  await registerMemberRoutes(app, ctx, guards);
  await registerInvitationRoutes(app, ctx, guards);
  await registerShareRoutes(app, ctx, guards);
  await registerGoalRoutes(app, ctx, guards);
}
