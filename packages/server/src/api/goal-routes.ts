import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { StoredFunnel, StoredGoal } from '../domain/account.js';
import { HttpError } from '../http/errors.js';
import { checkFunnel, checkGoal, MAX_FUNNELS_PER_SITE, MAX_GOALS_PER_SITE, sameGoal } from '../sites/goal-rules.js';
import { bumpStatsGeneration } from '../stats/cache.js';
import { DuplicateNameError } from '../storage/meta/meta-store.js';
import type { ApiContext } from './context.js';
import { pathId, type SiteGuards } from './site-guards.js';
import { ErrorBody, SiteItemParams, SiteParams } from './site-schemas.js';

const GoalBody = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('pageview'), Type.Literal('event')]),
  pathPattern: Type.Union([Type.String(), Type.Null()]),
  eventName: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
const FunnelBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  steps: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});

const goalJson = (goal: StoredGoal) => ({
  id: goal.id,
  kind: goal.kind,
  pathPattern: goal.pathPattern,
  eventName: goal.eventName,
  displayName: goal.displayName,
  createdAt: goal.createdAt.toISOString(),
});
const funnelJson = (funnel: StoredFunnel) => ({
  id: funnel.id,
  name: funnel.name,
  steps: funnel.steps,
  createdAt: funnel.createdAt.toISOString(),
});

const duplicateName = (error: unknown) =>
  error instanceof DuplicateNameError ? new HttpError(409, `${error.message}; choose another name`) : error;

/**
 * Goals (a page visit or a custom event that counts as a conversion) and funnels (ordered goals). The stats API
 * reads them by site; viewers see them, admins change them.
 */
export async function registerGoalRoutes(app: FastifyInstance, ctx: ApiContext, guards: SiteGuards): Promise<void> {
  const tags = ['sites'];

  app.get(
    '/api/sites/:siteId/goals',
    {
      schema: {
        summary: "The site's goals",
        tags,
        params: SiteParams,
        response: { 200: Type.Object({ goals: Type.Array(GoalBody) }) },
      },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => ({ goals: (await ctx.meta.goals.listForSite(guards.siteOf(request).site.id)).map(goalJson) }),
  );

  app.post(
    '/api/sites/:siteId/goals',
    {
      schema: {
        summary: 'Add a goal: a page visit (pathPattern with * and **) or a custom event (eventName) (admin)',
        tags,
        params: SiteParams,
        body: Type.Object({
          kind: Type.String({ maxLength: 20, description: '"pageview" or "event"' }),
          pathPattern: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
          eventName: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
          displayName: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
        }),
        response: { 201: GoalBody, 400: ErrorBody, 409: ErrorBody },
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const checked = checkGoal(request.body as Record<string, unknown>);
      if (!checked.ok) throw new HttpError(400, checked.error);
      const existing = await ctx.meta.goals.listForSite(site.id);
      const twin = sameGoal(existing, checked.value);
      if (twin !== undefined) {
        throw new HttpError(409, `The goal ${JSON.stringify(twin.displayName)} already counts this`);
      }
      if (existing.length >= MAX_GOALS_PER_SITE) {
        throw new HttpError(400, `A site can have at most ${MAX_GOALS_PER_SITE} goals; delete one first`);
      }
      const goal = await ctx.meta.goals.create({ siteId: site.id, ...checked.value }).catch((error: unknown) => {
        throw duplicateName(error);
      });
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'goal.created',
        details: { domain: site.domain, goal: goal.displayName },
      });
      return reply.code(201).send(goalJson(goal));
    },
  );

  app.delete(
    '/api/sites/:siteId/goals/:id',
    {
      schema: {
        summary: 'Delete a goal that no funnel uses (admin)',
        tags,
        params: SiteItemParams,
        response: { 204: Type.Null(), 409: ErrorBody },
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const rawId = (request.params as { id: string }).id;
      const id = pathId(rawId);
      const goal = id === undefined ? undefined : await ctx.meta.goals.findById(id);
      if (goal === undefined || goal.siteId !== site.id) {
        throw new HttpError(404, `No goal ${JSON.stringify(rawId.slice(0, 20))} on this site`);
      }
      const users = (await ctx.meta.funnels.listForSite(site.id)).filter((funnel) =>
        funnel.steps.includes(goal.displayName),
      );
      if (users.length > 0) {
        const names = users.map((funnel) => JSON.stringify(funnel.name)).join(', ');
        throw new HttpError(409, `The goal is a step of the funnel ${names}; delete or change the funnel first`);
      }
      await ctx.meta.goals.delete(goal.id);
      await bumpStatsGeneration(ctx.state, site.id).catch(() => undefined);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'goal.deleted',
        details: { domain: site.domain, goal: goal.displayName },
      });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/sites/:siteId/funnels',
    {
      schema: {
        summary: "The site's funnels",
        tags,
        params: SiteParams,
        response: { 200: Type.Object({ funnels: Type.Array(FunnelBody) }) },
      },
      onRequest: guards.site('viewer', 'sites:read'),
    },
    async (request) => ({
      funnels: (await ctx.meta.funnels.listForSite(guards.siteOf(request).site.id)).map(funnelJson),
    }),
  );

  app.post(
    '/api/sites/:siteId/funnels',
    {
      schema: {
        summary: 'Add a funnel of 2 to 8 goals, by their display names (admin)',
        tags,
        params: SiteParams,
        body: Type.Object({
          name: Type.String({ maxLength: 1000 }),
          steps: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 100 }),
        }),
        response: { 201: FunnelBody, 400: ErrorBody, 409: ErrorBody },
      },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const [goals, funnels] = await Promise.all([
        ctx.meta.goals.listForSite(site.id),
        ctx.meta.funnels.listForSite(site.id),
      ]);
      const checked = checkFunnel(request.body as { name: unknown; steps: unknown }, goals);
      if (!checked.ok) throw new HttpError(400, checked.error);
      if (funnels.length >= MAX_FUNNELS_PER_SITE) {
        throw new HttpError(400, `A site can have at most ${MAX_FUNNELS_PER_SITE} funnels; delete one first`);
      }
      const funnel = await ctx.meta.funnels.create({ siteId: site.id, ...checked.value }).catch((error: unknown) => {
        throw duplicateName(error);
      });
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'funnel.created',
        details: { domain: site.domain, funnel: funnel.name },
      });
      return reply.code(201).send(funnelJson(funnel));
    },
  );

  app.delete(
    '/api/sites/:siteId/funnels/:id',
    {
      schema: { summary: 'Delete a funnel (admin)', tags, params: SiteItemParams },
      onRequest: guards.site('admin', 'sites:write'),
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const rawId = (request.params as { id: string }).id;
      const id = pathId(rawId);
      const funnel = id === undefined ? undefined : await ctx.meta.funnels.findById(id);
      if (funnel === undefined || funnel.siteId !== site.id) {
        throw new HttpError(404, `No funnel ${JSON.stringify(rawId.slice(0, 20))} on this site`);
      }
      await ctx.meta.funnels.delete(funnel.id);
      await bumpStatsGeneration(ctx.state, site.id).catch(() => undefined);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'funnel.deleted',
        details: { domain: site.domain, funnel: funnel.name },
      });
      return reply.code(204).send();
    },
  );
}
