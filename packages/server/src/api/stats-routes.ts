import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createIpThrottle } from '../auth/ip-throttle.js';
import type { SiteRole, StoredFunnel, StoredGoal } from '../domain/account.js';
import { LIMITS } from '../domain/event.js';
import type { Site } from '../domain/site.js';
import { HttpError } from '../http/errors.js';
import {
  buildSiteExport,
  type CacheStatus,
  cachedStatsQuery,
  createVisitSnapshots,
  type DateRangeInput,
  exportCsv,
  parseDateRange,
  parseStatsQuery,
  resolveFunnel,
  runFunnel,
  runRealtime,
  runRealtimeBreakdown,
  runStatsQuery,
  type StatsQuery,
  type StatsResponse,
  statsInputErrorOf,
  topPropKeys,
  toStatsGoals,
  type VisitSnapshots,
} from '../stats/index.js';
import type { ApiContext } from './context.js';
import { resolveShare } from './share-access.js';

/**
 * The stats API: Plausible's Stats API v2 query, realtime, funnels, CSV and zip exports, and what the dashboard needs
 * to draw a site. Every route exists twice: under /api/v2 for members (session, or API key with stats:read) and under
 * /api/share/:slug/v2 for a shared link or public dashboard, where the site comes ONLY from the link and any site_id
 * in the request is ignored.
 *
 * Order of checks on member routes: who is asking (401/403), then what they ask (400), then the site (404/403), so
 * nobody without an account learns anything, and a malformed request says what is wrong rather than "no such site".
 */

/** A caller's standing on the site: a member role, or 'public' for share links. */
export type StatsRole = SiteRole | 'public';

interface StatsAccess {
  site: Site;
  role: StatsRole;
}

/** How one family of routes (members or share links) learns which site a request is about. */
interface Gate {
  /** Path prefix before `/v2/…`. */
  prefix: string;
  /** Runs first. Share links resolve their site here (so it is fixed before any input is read); members get undefined. */
  admit(request: FastifyRequest): Promise<StatsAccess | undefined>;
  /** The member's site named by `site_id` (404 when it is not theirs). */
  siteFor(request: FastifyRequest, siteRef: unknown): Promise<StatsAccess>;
}

/** A dashboard view sends a dozen queries and realtime polls; this is far above a person, well below a flood. */
export const SHARE_REQUESTS_PER_MINUTE = 600;
/** Query bodies are small documents; this leaves room for long filter lists. */
const STATS_BODY_LIMIT = 256 * 1024;
const DEFAULT_EXPORT_RANGE: DateRangeInput = '30d';

const ErrorBody = Type.Object({ error: Type.String() });
const ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };
const QueryBody = Type.Object(
  {
    site_id: Type.String({ description: "The site's domain or numeric id" }),
    metrics: Type.Array(Type.String(), { description: 'visitors, visits, pageviews, bounce_rate, …' }),
    date_range: Type.Unknown({ description: 'day, 7d, 28d, 30d, 91d, month, 6mo, 12mo, year, all, or [from, to]' }),
    dimensions: Type.Optional(Type.Array(Type.String())),
    filters: Type.Optional(Type.Array(Type.Unknown())),
    order_by: Type.Optional(Type.Array(Type.Unknown())),
    include: Type.Optional(Type.Object({}, { additionalProperties: true })),
    pagination: Type.Optional(Type.Object({ limit: Type.Integer(), offset: Type.Integer() })),
  },
  { description: "Plausible's Stats API v2 query, validated in full by the server" },
);
const FunnelBody = Type.Object({
  site_id: Type.String({ description: "The site's domain or numeric id" }),
  funnel_id: Type.Integer(),
  date_range: Type.Optional(Type.Unknown({ description: 'As in a query; default 30d' })),
});
const SiteQuerystring = Type.Object({
  site_id: Type.String({ description: "The site's domain or numeric id" }),
});
const ExportQuerystring = Type.Object({
  site_id: Type.String({ description: "The site's domain or numeric id" }),
  date_range: Type.Optional(
    Type.String({ description: 'A shortcut (default 30d) or two dates: 2025-01-01,2025-01-31' }),
  ),
});
const PropsQuerystring = Type.Object({
  site_id: Type.String({ description: "The site's domain or numeric id" }),
  date_range: Type.Optional(
    Type.String({ description: 'A shortcut (default 30d) or two dates: 2025-01-01,2025-01-31' }),
  ),
  event: Type.Optional(
    Type.String({ maxLength: LIMITS.eventName, description: 'Only keys sent with this event name (e.g. Signup)' }),
  ),
});
const PropsResponse = Type.Object({
  keys: Type.Array(Type.Object({ key: Type.String(), events: Type.Integer() }), {
    description: 'The most used custom property keys, by events carrying them, then key',
  }),
});
/** Enough for a picker; a site with more distinct keys is sending values as keys, and the top ones still show. */
const ShareParams = Type.Object({ slug: Type.String({ maxLength: 300 }) });

/** Routes here parse their input themselves (clear messages naming the wrong part); the schemas document them. */
const documentOnly = () => () => true;

export async function registerStatsRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  // The widgets of one dashboard load share what their rollup queries read about finished visits.
  const visitSnapshots = createVisitSnapshots();
  const shareThrottle = createIpThrottle({
    state: ctx.state,
    limitPerMinute: SHARE_REQUESTS_PER_MINUTE,
    now: ctx.now,
    scope: 'share-stats',
    message: 'Too many requests for shared dashboards from your network; wait a minute and try again',
  });
  const memberGate: Gate = {
    prefix: '/api',
    async admit(request) {
      await ctx.access.requireUser(request, 'stats:read');
      return undefined;
    },
    async siteFor(request, siteRef) {
      const { site, role } = await ctx.access.requireSite(request, siteRef, 'viewer', 'stats:read', { byDomain: true });
      return { site, role };
    },
  };
  const shareGate: Gate = {
    prefix: '/api/share/:slug',
    async admit(request) {
      await shareThrottle.hit(request.ip);
      const { slug } = request.params as { slug: string };
      const { site } = await resolveShare(ctx, request, slug);
      return { site, role: 'public' };
    },
    siteFor() {
      // admit always fixes the site of a share link; reaching this is a bug, and it must not fall back to site_id.
      return Promise.reject(new HttpError(500, 'share link without a site'));
    },
  };

  await app.register(async (scope) => {
    // Stats are per account and change by the minute: never stored by browsers or proxies.
    scope.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('cache-control', 'private, no-store');
      done(null, payload);
    });
    registerFamily(scope, ctx, visitSnapshots, memberGate, ['stats']);
    registerFamily(scope, ctx, visitSnapshots, shareGate, ['stats (shared links)']);
  });
}

function registerFamily(
  app: FastifyInstance,
  ctx: ApiContext,
  visitSnapshots: VisitSnapshots,
  gate: Gate,
  tags: string[],
): void {
  const shared = gate.prefix !== '/api';
  const params = shared ? { params: ShareParams } : {};
  // Under a share link the site is the link's: site_id is not part of the documented input there.
  const queryBody = shared ? Type.Omit(QueryBody, ['site_id']) : QueryBody;
  const funnelBody = shared ? Type.Omit(FunnelBody, ['site_id']) : FunnelBody;
  const siteQuerystring = shared ? Type.Object({}) : SiteQuerystring;
  const exportQuerystring = shared ? Type.Omit(ExportQuerystring, ['site_id']) : ExportQuerystring;
  const propsQuerystring = shared ? Type.Omit(PropsQuerystring, ['site_id']) : PropsQuerystring;
  const base = `${gate.prefix}/v2`;
  const common = { validatorCompiler: documentOnly };

  app.post(
    `${base}/query`,
    {
      ...common,
      bodyLimit: STATS_BODY_LIMIT,
      schema: {
        summary: 'Run a stats query (Plausible Stats API v2 shape)',
        tags,
        ...params,
        body: queryBody,
        response: ERRORS,
      },
    },
    async (request, reply) => {
      const { access, query } = await admitQuery(gate, request);
      const answer = await answerQuery(ctx, visitSnapshots, access.site, query);
      return reply.header('x-sightline-cache', answer.cache).send(answer.response);
    },
  );

  app.get(
    `${base}/realtime`,
    {
      ...common,
      schema: {
        summary: 'Visitors now, the last 30 minutes per minute, and current pages and sources',
        tags,
        ...params,
        querystring: siteQuerystring,
        response: ERRORS,
      },
    },
    async (request) => {
      const fixed = await gate.admit(request);
      const { site } = fixed ?? (await gate.siteFor(request, queryField(request, 'site_id')));
      const deps = { store: ctx.events, site, now: ctx.now() };
      const realtime = await runRealtime(deps);
      const breakdown = await runRealtimeBreakdown(deps);
      return { ...realtime, ...breakdown };
    },
  );

  app.post(
    `${base}/funnel`,
    {
      ...common,
      bodyLimit: STATS_BODY_LIMIT,
      schema: {
        summary: "Visitors reaching each step of one of the site's funnels, with drop-off",
        tags,
        ...params,
        body: funnelBody,
        response: { ...ERRORS, 409: ErrorBody },
      },
    },
    async (request) => {
      const fixed = await gate.admit(request);
      const input = parseFunnelBody(request.body, fixed !== undefined);
      const { site } = fixed ?? (await gate.siteFor(request, input.siteRef));
      const funnel = await ctx.meta.funnels.findById(input.funnelId);
      if (funnel === undefined || funnel.siteId !== site.id) {
        throw new HttpError(404, `No funnel ${input.funnelId} on ${site.domain}`);
      }
      const goals = toStatsGoals(await ctx.meta.goals.listForSite(site.id));
      const resolved = resolveFunnel(funnel, goals);
      if (!resolved.ok) {
        throw new HttpError(
          409,
          `The funnel ${JSON.stringify(funnel.name)} names goals ${site.domain} no longer has (${resolved.missingSteps
            .map((step) => JSON.stringify(step))
            .join(', ')}); edit the funnel`,
        );
      }
      return clientErrors(() =>
        runFunnel({ store: ctx.events, site, now: ctx.now() }, resolved.definition, input.dateRange),
      );
    },
  );

  app.post(
    `${base}/export`,
    {
      ...common,
      bodyLimit: STATS_BODY_LIMIT,
      schema: {
        summary: 'A breakdown (same body as a query) as a CSV attachment',
        tags,
        ...params,
        body: queryBody,
        response: { 200: Type.String({ description: 'text/csv' }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const { access, query } = await admitQuery(gate, request);
      const answer = await answerQuery(ctx, visitSnapshots, access.site, query);
      const [from, to] = answer.response.query.date_range;
      const grouping = query.dimensions.length > 0 ? query.dimensions.join('_') : 'aggregate';
      reply.header('x-sightline-cache', answer.cache);
      return sendAttachment(
        reply,
        'text/csv; charset=utf-8',
        `${access.site.domain}-${grouping}-${from.slice(0, 10)}-${to.slice(0, 10)}.csv`,
        exportCsv(answer.response),
      );
    },
  );

  app.get(
    `${base}/export/site`,
    {
      ...common,
      schema: {
        summary: 'Every report of the site over a date range, as a zip of CSV files',
        tags,
        ...params,
        querystring: exportQuerystring,
        response: { 200: Type.String({ description: 'application/zip' }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const fixed = await gate.admit(request);
      const dateRange = clientErrorsSync(() => parseExportRange(queryField(request, 'date_range')));
      const { site } = fixed ?? (await gate.siteFor(request, queryField(request, 'site_id')));
      const goals = toStatsGoals(await ctx.meta.goals.listForSite(site.id));
      const exported = await clientErrors(() =>
        buildSiteExport({ store: ctx.events, site, goals, now: ctx.now(), visitSnapshots }, dateRange),
      );
      const [from, to] = exported.dateRange;
      return sendAttachment(
        reply,
        'application/zip',
        `${site.domain}-${from.slice(0, 10)}-${to.slice(0, 10)}.zip`,
        Buffer.from(exported.zip),
      );
    },
  );

  app.get(
    `${base}/props`,
    {
      ...common,
      schema: {
        summary: "The site's most used custom property keys over a date range, optionally of one event",
        tags,
        ...params,
        querystring: propsQuerystring,
        response: { 200: PropsResponse, ...ERRORS },
      },
    },
    async (request) => {
      const fixed = await gate.admit(request);
      const dateRange = clientErrorsSync(() => parseExportRange(queryField(request, 'date_range')));
      const event = parseEventName(queryField(request, 'event'));
      const { site } = fixed ?? (await gate.siteFor(request, queryField(request, 'site_id')));
      return {
        keys: await clientErrors(() => topPropKeys({ store: ctx.events, site, now: ctx.now() }, dateRange, event)),
      };
    },
  );

  app.get(
    `${base}/site-context`,
    {
      ...common,
      schema: {
        summary: 'What the dashboard needs to draw a site: the site, its goals and funnels, and your role',
        tags,
        ...params,
        querystring: siteQuerystring,
        response: ERRORS,
      },
    },
    async (request) => {
      const fixed = await gate.admit(request);
      const { site, role } = fixed ?? (await gate.siteFor(request, queryField(request, 'site_id')));
      const goals = await ctx.meta.goals.listForSite(site.id);
      const funnels = await ctx.meta.funnels.listForSite(site.id);
      return {
        site: { id: site.id, domain: site.domain, name: site.name, timezone: site.timezone },
        goals: goals.map(goalView),
        funnels: funnels.map(funnelView),
        role,
      };
    },
  );
}

/** A query body parsed for the gate: share links overwrite site_id with their own site before parsing. */
async function admitQuery(gate: Gate, request: FastifyRequest): Promise<{ access: StatsAccess; query: StatsQuery }> {
  const fixed = await gate.admit(request);
  let body = request.body;
  if (fixed !== undefined && isPlainObject(body)) body = { ...body, site_id: fixed.site.domain };
  const query = clientErrorsSync(() => parseStatsQuery(body));
  const access = fixed ?? (await gate.siteFor(request, query.siteId));
  return { access, query };
}

async function answerQuery(
  ctx: ApiContext,
  visitSnapshots: VisitSnapshots,
  site: Site,
  query: StatsQuery,
): Promise<{ response: StatsResponse; cache: CacheStatus }> {
  const goals = toStatsGoals(await ctx.meta.goals.listForSite(site.id));
  const now = ctx.now();
  return clientErrors(() =>
    cachedStatsQuery(ctx.state, { site, query, goals, now }, () =>
      runStatsQuery({ store: ctx.events, site, goals, now, visitSnapshots }, query),
    ),
  );
}

interface FunnelInput {
  siteRef: unknown;
  funnelId: number;
  dateRange: DateRangeInput;
}

const FUNNEL_KEYS = new Set(['site_id', 'funnel_id', 'date_range']);
const NUMERIC_ID = /^[1-9]\d{0,9}$/;

function parseFunnelBody(body: unknown, shared: boolean): FunnelInput {
  if (!isPlainObject(body)) throw new HttpError(400, 'The request must be a JSON object like {"site_id", "funnel_id"}');
  for (const key of Object.keys(body)) {
    if (!FUNNEL_KEYS.has(key))
      throw new HttpError(400, `Unknown key ${JSON.stringify(key.slice(0, 80))} in the request`);
  }
  if (!shared && (typeof body.site_id !== 'string' || body.site_id.trim() === '')) {
    throw new HttpError(400, 'site_id is required: the site domain or its numeric id');
  }
  const rawId = body.funnel_id;
  const funnelId = typeof rawId === 'string' && NUMERIC_ID.test(rawId) ? Number(rawId) : rawId;
  if (typeof funnelId !== 'number' || !Number.isSafeInteger(funnelId) || funnelId < 1 || funnelId > 4_294_967_295) {
    throw new HttpError(400, "funnel_id is required: the id of one of the site's funnels");
  }
  const dateRange = clientErrorsSync(() => parseDateRange(body.date_range ?? DEFAULT_EXPORT_RANGE, 'date_range'));
  return { siteRef: body.site_id, funnelId, dateRange };
}

/** `date_range` of a GET: a shortcut, or two dates or datetimes separated by a comma. */
function parseExportRange(value: unknown): DateRangeInput {
  if (value === undefined || value === '') return DEFAULT_EXPORT_RANGE;
  if (typeof value !== 'string') throw new HttpError(400, 'date_range must be given once');
  const parts = value.split(',');
  return parseDateRange(parts.length === 2 ? parts.map((part) => part.trim()) : value, 'date_range');
}

/** `event` of the props route: absent or empty means every event. */
function parseEventName(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'event must be given once');
  if (value.length > LIMITS.eventName) {
    throw new HttpError(400, `event must be an event name of at most ${LIMITS.eventName} characters`);
  }
  return value;
}

function queryField(request: FastifyRequest, name: string): unknown {
  const query = request.query as Record<string, unknown> | undefined;
  return query?.[name];
}

/** Characters safe in a Content-Disposition filename on every platform; anything else becomes `_`. */
export function safeFilename(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 200) || 'export'
  );
}

function sendAttachment(reply: FastifyReply, type: string, filename: string, body: string | Buffer): FastifyReply {
  return reply
    .type(type)
    .header('content-disposition', `attachment; filename="${safeFilename(filename)}"`)
    .send(body);
}

function goalView(goal: StoredGoal) {
  return {
    id: goal.id,
    kind: goal.kind,
    pathPattern: goal.pathPattern,
    eventName: goal.eventName,
    displayName: goal.displayName,
    createdAt: goal.createdAt.toISOString(),
  };
}

function funnelView(funnel: StoredFunnel) {
  return { id: funnel.id, name: funnel.name, steps: funnel.steps, createdAt: funnel.createdAt.toISOString() };
}

/** Runs stats work, turning the caller's mistakes (StatsQueryError, a pattern RE2 refuses) into 400s. */
async function clientErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asClientError(error);
  }
}

function clientErrorsSync<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw asClientError(error);
  }
}

function asClientError(error: unknown): unknown {
  const input = statsInputErrorOf(error);
  return input === undefined ? error : new HttpError(400, input.message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
