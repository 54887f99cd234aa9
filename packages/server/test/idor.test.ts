import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey, TOKEN_PREFIXES } from '../src/auth/tokens.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../src/domain/account.js';
import type { Site } from '../src/domain/site.js';
import { newShareSlug } from '../src/sites/share-slug.js';
import { addSite, clientFetch, type TestApp, type TestClient } from './support/app.js';
import { tempDataDir } from './support/server.js';
import {
  expectError,
  expectStatus,
  META_ENGINES,
  sendPageview,
  signedInAs,
  startSiteApp,
} from './support/site-fixtures.js';

/**
 * The IDOR sweep: one account must never read or change another account's site through any route. The routes are
 * taken from the running server's route table, so every site route added later (by any part of the API) is swept
 * without this file changing. Each request is made by account A against account B's site and B's member, goal,
 * funnel, share, invitation, shield and key ids, as a browser session and as an API key holding every scope; it must
 * be refused with 404 (or 403), must not show B's data, and B's data must be exactly as before.
 */

interface Route {
  method: string;
  /** Fastify pattern, e.g. `/api/sites/:siteId/goals/:id`. */
  path: string;
}

/** Every route of the app, read from Fastify's own route table (printRoutes), without HEAD/OPTIONS twins. */
function routeTable(app: TestApp): Route[] {
  const tree = app.server.app.printRoutes({ commonPrefix: false });
  const prefixes: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const branch = line.search(/[├└]── /);
    if (branch === -1) continue;
    const depth = branch / 4;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(branch + 4));
    const segment = match?.[1] ?? '';
    prefixes[depth] = (depth === 0 ? '' : (prefixes[depth - 1] ?? '')) + segment;
    prefixes.length = depth + 1;
    for (const method of (match?.[2] ?? '').split(', ').filter(Boolean)) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push({ method, path: prefixes[depth] ?? '' });
    }
  }
  return routes;
}

/** The OpenAPI operation of a route (for its body and query schemas), if the route documents one. */
interface QueryParameter {
  in?: string;
  name?: string;
  required?: boolean;
  schema?: Schema;
}

function operationOf(app: TestApp, route: Route): { body?: Schema; query: QueryParameter[] } {
  const doc = app.server.app.swagger() as {
    paths?: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>>;
  };
  const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
  const operation = doc.paths?.[openApiPath]?.[route.method.toLowerCase()];
  const body = (operation?.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.[
    'application/json'
  ]?.schema;
  const query = ((operation?.parameters ?? []) as QueryParameter[]).filter((p) => p.in === 'query');
  return { ...(body === undefined ? {} : { body }), query };
}

interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
}

/** Plausible values by field name, so a route's own validation lets the request through to its access check. */
const SAMPLE_STRINGS: Record<string, string> = {
  email: 'intruder@example.com',
  password: 'Intruder password 12345',
  currentPassword: 'Intruder password 12345',
  newPassword: 'Intruder password 67890',
  domain: 'intruder.example',
  role: 'admin',
  value: '10.9.8.7',
  pathPattern: '/intruder',
  eventName: 'Intruder',
  date_range: '7d',
  site_id: '1',
};

/** The smallest value a JSON schema accepts (required properties only), for bodies sent by the sweep. */
function sample(schema: Schema | undefined, name = ''): unknown {
  if (schema === undefined) return 'intruder';
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) {
    return sample(variants.find((variant) => variant.type !== 'null') ?? variants[0], name);
  }
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...schema.allOf.map((part) => sample(part, name)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key], key);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 0, 0) }, () => sample(schema.items, name));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string': {
      let text = SAMPLE_STRINGS[name] ?? 'intruder';
      while (text.length < (schema.minLength ?? 0)) text += 'x';
      return schema.maxLength === undefined ? text : text.slice(0, schema.maxLength);
    }
    default:
      return 'intruder';
  }
}

/** One account's site with something behind every kind of id a route can take. */
interface Fixture {
  client: TestClient;
  site: Site;
  /** A second member (viewer) of the site. */
  viewer: TestClient;
  ids: Record<string, number | string>;
  /** Marker strings that must never show up in another account's responses. */
  secrets: string[];
  apiKey: (scopes: readonly ApiKeyScope[]) => Promise<string>;
}

let app: TestApp;
let drop: () => Promise<void>;
let a: Fixture;
let b: Fixture;

async function makeFixture(label: string): Promise<Fixture> {
  const meta = app.server.stores.meta;
  const tokens = createTokens({ key: deriveTokenKey(app.config.secretKey) });
  const client = await signedInAs(app, `owner-${label}@example.com`, { name: `Owner ${label} secret-name` });
  const viewer = await signedInAs(app, `viewer-${label}@example.com`);
  const site = await addSite(app, client, `site-${label}.example`);
  await meta.sites.update(site.id, { name: `Site ${label} secret-title` });
  await meta.members.upsert(site.id, viewer.user.id, 'viewer');
  const goalA = await meta.goals.create({
    siteId: site.id,
    kind: 'event',
    pathPattern: null,
    eventName: `Goal${label}One`,
    displayName: `goal-${label}-secret-one`,
  });
  await meta.goals.create({
    siteId: site.id,
    kind: 'pageview',
    pathPattern: `/secret-${label}`,
    eventName: null,
    displayName: `goal-${label}-secret-two`,
  });
  const funnel = await meta.funnels.create({
    siteId: site.id,
    name: `funnel-${label}-secret`,
    steps: [`goal-${label}-secret-one`, `goal-${label}-secret-two`],
  });
  const share = await meta.shareLinks.create({
    siteId: site.id,
    slug: newShareSlug(),
    name: `share-${label}`,
    passwordHash: null,
  });
  const invitation = await meta.invitations.create({
    siteId: site.id,
    email: `invitee-${label}@example.com`,
    role: 'viewer',
    tokenHash: tokens.newToken(TOKEN_PREFIXES.invitation).hash,
    invitedBy: client.user.id,
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  const shield = await meta.shields.create({
    siteId: site.id,
    kind: 'ip',
    value: '192.0.2.1',
    description: `shield-${label}`,
  });
  const ingest = tokens.newToken(TOKEN_PREFIXES.ingestKey);
  const ingestKey = await meta.ingestKeys.create({
    siteId: site.id,
    name: `ingest-${label}`,
    lookupId: ingest.lookupId,
    hash: ingest.hash,
    expiresAt: null,
    rateLimitPerMinute: 600,
    createdBy: client.user.id,
  });
  const personal = tokens.newToken(TOKEN_PREFIXES.apiKey);
  const apiKey = await meta.apiKeys.create({
    userId: client.user.id,
    name: `key-${label}`,
    lookupId: personal.lookupId,
    hash: personal.hash,
    scopes: [...API_KEY_SCOPES],
    expiresAt: null,
  });
  const [session] = await meta.loginSessions.listForUser(client.user.id);
  await sendPageview(app, site.domain, `/page-${label}`);
  return {
    client,
    site,
    viewer,
    ids: {
      members: viewer.user.id,
      goals: goalA.id,
      funnels: funnel.id,
      shares: share.id,
      invitations: invitation.id,
      shields: shield.id,
      'ingest-keys': ingestKey.id,
      'api-keys': apiKey.id,
      sessions: session?.id ?? '',
      slug: share.slug,
    },
    secrets: [
      `secret-name`,
      `Site ${label} secret-title`,
      `goal-${label}-secret`,
      `funnel-${label}-secret`,
      share.slug,
    ],
    async apiKey(scopes) {
      const token = tokens.newToken(TOKEN_PREFIXES.apiKey);
      await meta.apiKeys.create({
        userId: client.user.id,
        name: `scoped-${scopes.join('+') || 'none'}`,
        lookupId: token.lookupId,
        hash: token.hash,
        scopes: [...scopes],
        expiresAt: null,
      });
      return token.token;
    },
  };
}

/** Everything of B's that any route could read or change, as stored. */
async function snapshot(fixture: Fixture): Promise<string> {
  const meta = app.server.stores.meta;
  const siteId = fixture.site.id;
  const userId = fixture.client.user.id;
  const events = app.server.stores.events;
  const [count] = await events.query<{ n: string }>(
    `SELECT count() AS n FROM ${events.eventsTable} WHERE site_id = {site:UInt32}`,
    { site: siteId },
  );
  const user = await meta.users.findById(userId);
  return JSON.stringify({
    site: await meta.sites.findById(siteId),
    members: await meta.members.listForSite(siteId),
    invitations: await meta.invitations.listPendingForSite(siteId, new Date(0)),
    shares: await meta.shareLinks.listForSite(siteId),
    goals: await meta.goals.listForSite(siteId),
    funnels: await meta.funnels.listForSite(siteId),
    shields: await meta.shields.listForSite(siteId),
    ingestKeys: (await meta.ingestKeys.listForSite(siteId)).map(({ lastUsedAt: _l, usageCount: _u, ...key }) => key),
    apiKeys: (await meta.apiKeys.listForUser(userId)).map(({ lastUsedAt: _l, ...key }) => key),
    sessions: (await meta.loginSessions.listForUser(userId)).map(({ lastSeenAt: _l, ...session }) => session),
    user: user && { email: user.email, name: user.name, passwordHash: user.passwordHash, mfa: user.mfaEnabledAt },
    events: count?.n,
  });
}

/** The concrete path of `route` with `siteId` and the ids of `owner` (the fixture whose objects are targeted). */
function concretePath(route: Route, siteId: number, owner: Fixture): string {
  const segments = route.path.split('/');
  return segments
    .map((segment, index) => {
      if (!segment.startsWith(':')) return segment;
      if (segment === ':siteId') return String(siteId);
      if (segment === ':userId') return String(owner.ids.members);
      if (segment === ':slug') return String(owner.ids.slug);
      const collection = segments[index - 1] ?? '';
      const id = owner.ids[collection];
      if (id === undefined) throw new Error(`the sweep does not know which id to use for ${route.path}; add it`);
      return encodeURIComponent(String(id));
    })
    .join('/');
}

interface Caller {
  name: string;
  request(path: string, init: { method: string; body?: unknown }): Promise<Response>;
}

function sessionCaller(fixture: Fixture): Caller {
  return { name: 'session', request: (path, init) => fixture.client.fetch(path, init) };
}

function keyCaller(token: string): Caller {
  return {
    name: 'API key',
    request: (path, init) => clientFetch(app.url, path, { ...init, headers: { authorization: `Bearer ${token}` } }),
  };
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const isSiteRoute = (route: Route) => route.path.startsWith('/api/sites/:siteId');
const isStatsRoute = (route: Route) => route.path.startsWith('/api/v2/');
/** Account routes that name something by id: the id must be the caller's own. */
const isAccountItemRoute = (route: Route) => route.path.startsWith('/api/account/') && route.path.includes('/:');

/** A request for `route`, with a body its schema accepts and `overrides` merged in (stats routes: the site). */
function requestFor(route: Route, path: string, overrides: Record<string, unknown> = {}) {
  const { body, query } = operationOf(app, route);
  if (route.method === 'GET' || route.method === 'DELETE') {
    const params = new URLSearchParams();
    for (const parameter of query) {
      const name = parameter.name ?? '';
      if (name in overrides || parameter.required !== true) continue;
      params.set(name, String(sample(parameter.schema, name)));
    }
    for (const [name, value] of Object.entries(overrides)) params.set(name, String(value));
    const search = params.toString();
    return { path: search === '' ? path : `${path}?${search}`, init: { method: route.method } };
  }
  const generated = sample(body ?? { type: 'object' });
  return {
    path,
    init: { method: route.method, body: { ...(generated as Record<string, unknown>), ...overrides } },
  };
}

/** Sends `request`; asserts a 404/403 refusal that shows none of `victim`'s data and leaves it unchanged. */
async function expectRefused(caller: Caller, route: Route, victim: Fixture, request: ReturnType<typeof requestFor>) {
  const before = MUTATING.has(route.method) ? await snapshot(victim) : undefined;
  const response = await caller.request(request.path, request.init);
  const text = await response.text();
  const where = `${caller.name} ${request.init.method} ${request.path} ${JSON.stringify(request.init.body ?? '')}`;
  expect([403, 404], `${where} answered ${response.status}: ${text.slice(0, 300)}`).toContain(response.status);
  for (const secret of victim.secrets) expect(text, `${where} showed ${secret}`).not.toContain(secret);
  if (before !== undefined) expect(await snapshot(victim), `${where} changed the other account's data`).toBe(before);
}

// chDB opens one data directory per process: both engines' apps share it (events apart by database).
const DATA_DIR = tempDataDir('sightline-idor-');

describe.each(META_ENGINES)('on $name', (engine) => {
  beforeAll(async () => {
    ({ app, drop } = await startSiteApp(engine, DATA_DIR));
    a = await makeFixture('a');
    b = await makeFixture('b');
  });

  afterAll(async () => {
    await app?.close();
    await drop?.();
  });

  describe('IDOR sweep', () => {
    it('finds the site routes of every part of the API in the route table', () => {
      const routes = routeTable(app);
      const swept = routes
        .filter((route) => isSiteRoute(route) || isStatsRoute(route))
        .map((r) => `${r.method} ${r.path}`);
      // The sweep must never silently shrink: these are the routes this part of the API is known to have.
      for (const known of [
        'GET /api/sites/:siteId',
        'PATCH /api/sites/:siteId',
        'DELETE /api/sites/:siteId',
        'POST /api/sites/:siteId/transfer',
        'GET /api/sites/:siteId/snippet',
        'GET /api/sites/:siteId/installation',
        'GET /api/sites/:siteId/summary',
        'GET /api/sites/:siteId/members',
        'PATCH /api/sites/:siteId/members/:userId',
        'DELETE /api/sites/:siteId/members/:userId',
        'POST /api/sites/:siteId/invitations',
        'DELETE /api/sites/:siteId/invitations/:id',
        'GET /api/sites/:siteId/shares',
        'POST /api/sites/:siteId/shares',
        'DELETE /api/sites/:siteId/shares/:id',
        'GET /api/sites/:siteId/goals',
        'POST /api/sites/:siteId/goals',
        'DELETE /api/sites/:siteId/goals/:id',
        'GET /api/sites/:siteId/funnels',
        'POST /api/sites/:siteId/funnels',
        'DELETE /api/sites/:siteId/funnels/:id',
      ]) {
        expect(swept).toContain(known);
      }
      expect(swept.length).toBeGreaterThanOrEqual(21);
    });

    it("refuses every site route for another account's site and its objects, and changes nothing", async () => {
      const callers = [sessionCaller(a), keyCaller(await a.apiKey(API_KEY_SCOPES))];
      const routes = routeTable(app).filter(isSiteRoute);
      const before = await snapshot(b);
      let requests = 0;
      for (const caller of callers) {
        for (const route of routes) {
          // B's site with B's ids.
          await expectRefused(caller, route, b, requestFor(route, concretePath(route, b.site.id, b)));
          requests++;
          // A's own site (where A is owner) with B's ids: an object of another site is not found through it.
          if (route.path.replace('/api/sites/:siteId', '').includes('/:')) {
            await expectRefused(caller, route, b, requestFor(route, concretePath(route, a.site.id, b)));
            requests++;
          }
        }
      }
      expect(requests).toBeGreaterThan(routes.length * 2);
      expect(await snapshot(b)).toBe(before);
      // A's own site still works for A: the refusals above were about ownership, not a broken route.
      await expectStatus(await a.client.fetch(`/api/sites/${a.site.id}/goals`), 200);
    });

    it("refuses every stats route for another account's site, by id or by domain", async () => {
      const callers = [sessionCaller(a), keyCaller(await a.apiKey(API_KEY_SCOPES))];
      const routes = routeTable(app).filter(isStatsRoute);
      expect(routes.length).toBeGreaterThan(0);
      for (const caller of callers) {
        for (const route of routes) {
          for (const siteRef of [String(b.site.id), b.site.domain]) {
            const overrides: Record<string, unknown> = { site_id: siteRef };
            // What each stats body needs to be a valid request (the contract's shapes), so only access can refuse it.
            if (route.method === 'GET') overrides.date_range = '7d';
            else if (route.path.endsWith('/funnel'))
              Object.assign(overrides, { funnel_id: b.ids.funnels, date_range: '7d' });
            else Object.assign(overrides, { metrics: ['visitors'], date_range: '7d' });
            await expectRefused(caller, route, b, requestFor(route, route.path, overrides));
          }
        }
      }
    });

    it('answers a site id that names no site of the caller with a 4xx, never an error', async () => {
      const routes = routeTable(app).filter(isSiteRoute);
      for (const ref of ['9999999999', '0', '-1', 'abc', '1%20OR%201=1', b.site.domain, '%00']) {
        for (const route of routes) {
          const request = requestFor(
            route,
            concretePath(route, b.site.id, b).replace(`/api/sites/${b.site.id}`, `/api/sites/${ref}`),
          );
          const response = await a.client.fetch(request.path, request.init);
          expect([400, 404], `${route.method} ${request.path}: ${await response.text()}`).toContain(response.status);
        }
      }
    });

    it("refuses account routes that name another account's key or session", async () => {
      const routes = routeTable(app).filter(isAccountItemRoute);
      for (const route of routes) {
        await expectRefused(sessionCaller(a), route, b, requestFor(route, concretePath(route, 0, b)));
      }
    });
  });

  describe('roles and scopes', () => {
    it('a viewer can change nothing on the site: every changing site route answers 403', async () => {
      const viewer: Caller = { name: 'viewer', request: (path, init) => b.viewer.fetch(path, init) };
      const routes = routeTable(app).filter((route) => isSiteRoute(route) && MUTATING.has(route.method));
      expect(routes.length).toBeGreaterThan(10);
      for (const route of routes) {
        // Ids of B's site; the member id is the owner's (a viewer may only remove themselves).
        const targets = { ...b, ids: { ...b.ids, members: b.client.user.id } };
        const request = requestFor(route, concretePath(route, b.site.id, targets));
        const before = await snapshot(b);
        const response = await viewer.request(request.path, request.init);
        expect(response.status, `viewer ${route.method} ${request.path}: ${await response.text()}`).toBe(403);
        expect(await snapshot(b)).toBe(before);
      }
    });

    it('an admin cannot delete or transfer the site', async () => {
      const admin = await signedInAs(app, 'admin-b@example.com');
      await app.server.stores.meta.members.upsert(b.site.id, admin.user.id, 'admin');
      const before = await snapshot(b);
      await expectError(await admin.fetch(`/api/sites/${b.site.id}`, { method: 'DELETE' }), 403, /owner/);
      await expectError(
        await admin.fetch(`/api/sites/${b.site.id}/transfer`, { body: { email: 'admin-b@example.com' } }),
        403,
        /owner/,
      );
      expect(await snapshot(b)).toBe(before);
      await app.server.stores.meta.members.remove(b.site.id, admin.user.id);
    });

    it('API keys act only within their scopes', async () => {
      const statsOnly = keyCaller(await a.apiKey(['stats:read']));
      const readOnly = keyCaller(await a.apiKey(['sites:read']));
      const writer = keyCaller(await a.apiKey(['sites:read', 'sites:write']));

      await expectError(await statsOnly.request('/api/sites', { method: 'GET' }), 403, /sites:read scope/);
      await expectError(await statsOnly.request(`/api/sites/${a.site.id}`, { method: 'GET' }), 403, /sites:read scope/);
      expect(
        await expectStatus(await readOnly.request(`/api/sites/${a.site.id}`, { method: 'GET' }), 200),
      ).toMatchObject({
        id: a.site.id,
      });
      await expectError(
        await readOnly.request('/api/sites', { method: 'POST', body: { domain: 'keyed.example' } }),
        403,
        /sites:write scope/,
      );

      // Every changing route of A's own site refuses a key without sites:write, and changes nothing.
      const routes = routeTable(app).filter((route) => isSiteRoute(route) && MUTATING.has(route.method));
      for (const route of routes) {
        const request = requestFor(route, concretePath(route, a.site.id, a));
        const before = await snapshot(a);
        const response = await readOnly.request(request.path, request.init);
        expect(response.status, `sites:read key ${route.method} ${request.path}: ${await response.text()}`).toBe(403);
        expect(await snapshot(a)).toBe(before);
      }

      const created = await expectStatus<{ id: number; role: string }>(
        await writer.request('/api/sites', { method: 'POST', body: { domain: 'keyed.example' } }),
        201,
      );
      expect(created.role).toBe('owner');

      // Unknown, malformed and expired keys are not keys at all.
      const meta = app.server.stores.meta;
      const tokens = createTokens({ key: deriveTokenKey(app.config.secretKey) });
      const stale = tokens.newToken(TOKEN_PREFIXES.apiKey);
      await meta.apiKeys.create({
        userId: a.client.user.id,
        name: 'expired',
        lookupId: stale.lookupId,
        hash: stale.hash,
        scopes: [...API_KEY_SCOPES],
        expiresAt: new Date(Date.now() - 1000),
      });
      for (const token of [stale.token, tokens.newToken(TOKEN_PREFIXES.apiKey).token, 'not-a-key']) {
        await expectError(await keyCaller(token).request('/api/sites', { method: 'GET' }), 401, /API key is not valid/);
      }
    });
  });
});
