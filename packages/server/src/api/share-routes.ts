import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createIpThrottle } from '../auth/ip-throttle.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { ShareLink } from '../domain/account.js';
import { serializeCookie } from '../http/cookies.js';
import { HttpError } from '../http/errors.js';
import { newShareSlug } from '../sites/share-slug.js';
import type { ApiContext } from './context.js';
import { findShareTarget, isShareUnlocked, issueShareUnlock, SHARE_UNLOCK_TTL_MS } from './share-access.js';
import { pathId, type SiteGuards } from './site-guards.js';
import { ErrorBody, SiteItemParams, SiteParams } from './site-schemas.js';

export const SHARE_NAME_MAX = 120;
export const MAX_SHARES_PER_SITE = 100;
/** Password guesses per client IP and minute, and per link and minute (many IPs at once). */
export const UNLOCK_ATTEMPTS_PER_IP_PER_MINUTE = 10;
export const UNLOCK_ATTEMPTS_PER_LINK_PER_MINUTE = 60;

const ShareBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  slug: Type.String(),
  url: Type.String(),
  hasPassword: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 253 }) });

/**
 * Shared links (read-only dashboards of one site, optionally behind a password) and public dashboards. Admins manage
 * links; anyone with a link reads through `/api/share/:slug/…`, which resolveShare (share-access.ts) checks on every
 * request. Unlocking sets an HttpOnly cookie scoped to that one link; its token is kept only as a hash, for 12 hours.
 */
export async function registerShareRoutes(app: FastifyInstance, ctx: ApiContext, guards: SiteGuards): Promise<void> {
  const tags = ['sites'];
  const unlockThrottle = createIpThrottle({
    state: ctx.state,
    limitPerMinute: UNLOCK_ATTEMPTS_PER_IP_PER_MINUTE,
    now: ctx.now,
    scope: 'share-unlock',
    message: 'Too many password attempts from your network; wait a minute and try again',
  });
  const shareJson = (link: ShareLink) => ({
    id: link.id,
    name: link.name,
    slug: link.slug,
    url: `${ctx.config.publicUrl}/share/${link.slug}`,
    hasPassword: link.passwordHash !== null,
    createdAt: link.createdAt.toISOString(),
  });

  app.get(
    '/api/sites/:siteId/shares',
    {
      schema: {
        summary: "The site's shared links (admin)",
        tags,
        params: SiteParams,
        response: { 200: Type.Object({ shares: Type.Array(ShareBody) }) },
      },
      onRequest: guards.site('admin', 'sites:read'),
    },
    async (request) => {
      const { site } = guards.siteOf(request);
      return { shares: (await ctx.meta.shareLinks.listForSite(site.id)).map(shareJson) };
    },
  );

  app.post(
    '/api/sites/:siteId/shares',
    {
      schema: {
        summary: 'Create a shared link, optionally with a password (admin)',
        tags,
        params: SiteParams,
        body: Type.Object({
          name: Type.String({ maxLength: 500 }),
          password: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
        }),
        response: { 201: ShareBody, 400: ErrorBody },
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const body = request.body as { name: string; password?: string | null };
      const name = body.name.replace(/\p{Cc}+/gu, ' ').trim();
      if (name === '') throw new HttpError(400, 'Give the shared link a name, e.g. who it is for');
      if (name.length > SHARE_NAME_MAX)
        throw new HttpError(400, `The name must be at most ${SHARE_NAME_MAX} characters`);
      let passwordHash: string | null = null;
      if (typeof body.password === 'string' && body.password !== '') {
        const problem = checkPasswordPolicy(body.password);
        if (problem !== undefined) throw new HttpError(400, `Shared link password: ${problem}`);
        passwordHash = await hashPassword(body.password);
      }
      if ((await ctx.meta.shareLinks.listForSite(site.id)).length >= MAX_SHARES_PER_SITE) {
        throw new HttpError(400, `${site.domain} has ${MAX_SHARES_PER_SITE} shared links; delete some first`);
      }
      const link = await ctx.meta.shareLinks.create({ siteId: site.id, slug: newShareSlug(), name, passwordHash });
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'share.created',
        details: { domain: site.domain, shareId: link.id, name, hasPassword: passwordHash !== null },
      });
      return reply.code(201).send(shareJson(link));
    },
  );

  app.delete(
    '/api/sites/:siteId/shares/:id',
    {
      schema: { summary: 'Delete a shared link; it stops working at once (admin)', tags, params: SiteItemParams },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const rawId = (request.params as { id: string }).id;
      const id = pathId(rawId);
      const link = id === undefined ? undefined : await ctx.meta.shareLinks.findById(id);
      if (link === undefined || link.siteId !== site.id) {
        throw new HttpError(404, `No shared link ${JSON.stringify(rawId.slice(0, 20))} on this site`);
      }
      await ctx.meta.shareLinks.delete(link.id);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'share.deleted',
        details: { domain: site.domain, shareId: link.id, name: link.name },
      });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/share/:slug',
    {
      schema: {
        summary: 'What a shared link or public dashboard shows, and whether it still needs its password',
        tags,
        params: SlugParams,
        response: {
          200: Type.Object({
            site: Type.Object({ domain: Type.String(), name: Type.String(), timezone: Type.String() }),
            passwordRequired: Type.Boolean(),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { site, link } = await findShareTarget(ctx, (request.params as { slug: string }).slug);
      const locked = link?.passwordHash != null && !(await isShareUnlocked(ctx, request, link));
      return { site: { domain: site.domain, name: site.name, timezone: site.timezone }, passwordRequired: locked };
    },
  );

  app.post(
    '/api/share/:slug/unlock',
    {
      schema: {
        summary: 'Unlock a password-protected shared link in this browser for 12 hours',
        tags,
        params: SlugParams,
        body: Type.Object({ password: Type.String({ maxLength: 1024 }) }),
        response: { 204: Type.Null(), 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
      // Counted before anything else, so every guess costs one attempt, whatever it names.
      onRequest: async (request) => unlockThrottle.hit(request.ip),
    },
    async (request, reply) => {
      const { link } = await findShareTarget(ctx, (request.params as { slug: string }).slug);
      // A public dashboard or a link without a password has nothing to unlock.
      if (link === null || link.passwordHash === null) return reply.code(204).send();
      const minute = Math.floor(ctx.now() / 60_000);
      if (
        (await ctx.state.increment(`share:unlock-attempts:link:${link.id}:${minute}`, 60_000)) >
        UNLOCK_ATTEMPTS_PER_LINK_PER_MINUTE
      ) {
        throw new HttpError(429, 'Too many password attempts for this link; wait a minute', { 'retry-after': '60' });
      }
      if (!(await verifyPassword(link.passwordHash, (request.body as { password: string }).password))) {
        throw new HttpError(401, 'The password is not correct');
      }
      const unlock = await issueShareUnlock(ctx, link);
      reply.header(
        'set-cookie',
        serializeCookie(unlock.cookieName, unlock.token, {
          maxAgeSeconds: SHARE_UNLOCK_TTL_MS / 1000,
          secure: ctx.secureCookies,
          // Sent only with this link's API calls: the cookie opens nothing else.
          path: `/api/share/${link.slug}`,
          // Shared dashboards are made to be embedded: inside another site's frame a Lax cookie would not be sent.
          sameSite: 'none',
        }),
      );
      return reply.code(204).send();
    },
  );
}
