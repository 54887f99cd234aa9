import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TOKEN_PREFIXES } from '../auth/tokens.js';
import {
  API_KEY_SCOPES,
  type ApiKey,
  type ApiKeyScope,
  type IngestKey,
  SHIELD_KINDS,
  type Shield,
  type ShieldKind,
} from '../domain/account.js';
import { badRequest, HttpError } from '../http/errors.js';
import { registerApiEventRoutes } from '../ingest/api-key-routes.js';
import { createIngestKeyUsage, type IngestKeyUsage } from '../ingest/ingest-key-usage.js';
import { MAX_SHIELDS_PER_SITE, parseShieldValue } from '../ingest/shield-rules.js';
import { bumpStatsGeneration } from '../stats/cache.js';
import { requireVerifiedEmail } from './account-routes.js';
import type { ApiContext } from './context.js';
import { createSiteGuards, type SiteGuards } from './site-guards.js';

const DAY_MS = 86_400_000;
const MAX_NAME_LENGTH = 100;
const MAX_EXPIRY_DAYS = 3650;
const MAX_DESCRIPTION_LENGTH = 200;
export const DEFAULT_INGEST_RATE_LIMIT = 6_000;
export const MAX_INGEST_RATE_LIMIT = 1_000_000;
/** Live keys one account (personal) or one site (ingest) may hold; more is a leak waiting to happen, not a need. */
export const MAX_API_KEYS_PER_USER = 100;
export const MAX_INGEST_KEYS_PER_SITE = 100;
const ID = /^[1-9]\d{0,9}$/;

/**
 * Keys and shields:
 * - personal API keys under `/api/account/api-keys` (browser session only: a key cannot mint keys);
 * - a site's ingest keys and shields under `/api/sites/:siteId/…` (admin or owner; API keys need sites:read to list
 *   and sites:write to change);
 * - `POST /api/v1/events`, where ingest keys are used (ingest/api-key-routes.ts).
 *
 * Tokens are shown once, in the response that creates them; the store keeps their HMAC hash and the lookup id that
 * listings show as the prefix. Every change is written to the acting account's audit log.
 */
export async function registerKeyRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const usage = createIngestKeyUsage({
    keys: ctx.meta.ingestKeys,
    onError: (error) => ctx.logger.error({ err: error }, 'writing ingest key usage failed; will retry'),
  });
  usage.start();
  // onClose runs once the server has stopped taking requests and before the stores close (main.ts order).
  app.addHook('onClose', () => usage.stop());

  await app.register(async (scope) => {
    // Bodies are checked below with messages that say what to fix; the schemas document the routes.
    scope.setValidatorCompiler(() => () => true);
    // Who may call is checked first (onRequest), before the body is read: see site-guards.ts.
    const guards = createSiteGuards(ctx);
    // Answers carry tokens shown once, and key listings: never into a shared or browser cache.
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    registerApiKeyRoutes(scope, ctx, guards);
    registerIngestKeyRoutes(scope, ctx, guards, usage);
    registerShieldRoutes(scope, ctx, guards);
  });

  await registerApiEventRoutes(app, {
    ingest: ctx.ingest,
    ingestKeys: ctx.meta.ingestKeys,
    tokens: ctx.tokens,
    state: ctx.state,
    usage,
    now: ctx.now,
    onBackdated: (siteId) => bumpStatsGeneration(ctx.state, siteId).catch(() => undefined),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Personal API keys

const ApiKeyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'sl_live_<lookup id>: tells keys apart; not the key' }),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

function apiKeyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: `${TOKEN_PREFIXES.apiKey}_${key.lookupId}`,
    scopes: key.scopes,
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(key.lastUsedAt),
    createdAt: key.createdAt.toISOString(),
  };
}

function registerApiKeyRoutes(app: FastifyInstance, ctx: ApiContext, guards: SiteGuards) {
  const tags = ['keys'];

  app.get(
    '/api/account/api-keys',
    {
      onRequest: guards.session(),
      schema: {
        summary: 'List your personal API keys',
        tags,
        response: { 200: Type.Object({ keys: Type.Array(ApiKeyView) }), ...errors(401) },
      },
    },
    async (request) => {
      const { user } = guards.userOf(request);
      const keys = await ctx.meta.apiKeys.listForUser(user.id);
      return { keys: keys.map(apiKeyView) };
    },
  );

  app.post(
    '/api/account/api-keys',
    {
      onRequest: guards.session(),
      schema: {
        summary: 'Create a personal API key (the token is shown once)',
        tags,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
          scopes: Type.Array(Type.Union(API_KEY_SCOPES.map((scope) => Type.Literal(scope))), { minItems: 1 }),
          expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPIRY_DAYS })),
        }),
        response: {
          201: Type.Object({ key: ApiKeyView, token: Type.String({ description: 'sl_live_…, shown only now' }) }),
          ...errors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { user } = guards.userOf(request);
      requireVerifiedEmail(user, 'creating API keys');
      const body = objectBody(request);
      const name = keyName(body.name);
      const scopes = apiKeyScopes(body.scopes);
      const expiresAt = expiry(body.expiresInDays, ctx.now());
      const existing = await ctx.meta.apiKeys.listForUser(user.id);
      if (existing.length >= MAX_API_KEYS_PER_USER) {
        throw new HttpError(
          409,
          `You have ${MAX_API_KEYS_PER_USER} API keys, the most allowed; delete unused ones first`,
        );
      }
      const minted = ctx.tokens.newToken(TOKEN_PREFIXES.apiKey);
      const key = await ctx.meta.apiKeys.create({
        userId: user.id,
        name,
        lookupId: minted.lookupId,
        hash: minted.hash,
        scopes,
        expiresAt,
      });
      await ctx.audit.record(request, {
        userId: user.id,
        action: 'api_key.created',
        details: { keyId: key.id, name: key.name, prefix: apiKeyView(key).prefix, scopes, expiresAt: iso(expiresAt) },
      });
      return reply.code(201).send({ key: apiKeyView(key), token: minted.token });
    },
  );

  app.delete(
    '/api/account/api-keys/:id',
    {
      onRequest: guards.session(),
      schema: {
        summary: 'Revoke (delete) one of your personal API keys; it stops working at once',
        tags,
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const { user } = guards.userOf(request);
      const id = routeId(request, 'id');
      const key = id === undefined ? undefined : await ctx.meta.apiKeys.findById(id);
      if (key === undefined || key.userId !== user.id) throw notFound('API key', request, 'among your keys');
      await ctx.meta.apiKeys.delete(key.id);
      await ctx.audit.record(request, {
        userId: user.id,
        action: 'api_key.revoked',
        details: { keyId: key.id, name: key.name, prefix: apiKeyView(key).prefix },
      });
      return reply.code(204).send();
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Ingest keys

const IngestKeyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'sl_ingest_<lookup id>: tells keys apart; not the key' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  usageCount: Type.Integer({ description: 'Events accepted with this key' }),
  rateLimitPerMinute: Type.Integer(),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
const KeyWithToken = Type.Object({
  key: IngestKeyView,
  token: Type.String({ description: 'sl_ingest_…, shown only now' }),
});

function ingestKeyView(key: IngestKey, usage: IngestKeyUsage) {
  // Usage not yet written (it is batched) still shows, so a key used a second ago does not look idle.
  const pending = usage.pending(key.id);
  let lastUsedAt = key.lastUsedAt;
  if (pending !== undefined && (lastUsedAt === null || pending.lastUsedAt > lastUsedAt))
    lastUsedAt = pending.lastUsedAt;
  return {
    id: key.id,
    name: key.name,
    prefix: `${TOKEN_PREFIXES.ingestKey}_${key.lookupId}`,
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(lastUsedAt),
    usageCount: key.usageCount + (pending?.events ?? 0),
    rateLimitPerMinute: key.rateLimitPerMinute,
    revokedAt: iso(key.revokedAt),
    createdAt: key.createdAt.toISOString(),
  };
}

function registerIngestKeyRoutes(app: FastifyInstance, ctx: ApiContext, guards: SiteGuards, usage: IngestKeyUsage) {
  const tags = ['keys'];
  const SiteParams = Type.Object({ siteId: Type.String() });
  const KeyParams = Type.Object({ siteId: Type.String(), id: Type.String() });

  /** The key named by `:id` if it belongs to the site; 404 otherwise, whatever site it belongs to. */
  async function siteKey(request: FastifyRequest, siteId: number): Promise<IngestKey> {
    const id = routeId(request, 'id');
    const key = id === undefined ? undefined : await ctx.meta.ingestKeys.findById(id);
    if (key === undefined || key.siteId !== siteId) throw notFound('ingest key', request, 'on this site');
    return key;
  }

  app.get(
    '/api/sites/:siteId/ingest-keys',
    {
      onRequest: guards.site('admin', 'sites:read'),
      schema: {
        summary: "List a site's ingest keys (admin)",
        tags,
        params: SiteParams,
        response: { 200: Type.Object({ keys: Type.Array(IngestKeyView) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const { site } = guards.siteOf(request);
      const keys = await ctx.meta.ingestKeys.listForSite(site.id);
      return { keys: keys.map((key) => ingestKeyView(key, usage)) };
    },
  );

  app.post(
    '/api/sites/:siteId/ingest-keys',
    {
      onRequest: guards.site('admin', 'sites:write'),
      schema: {
        summary: 'Create an ingest key for POST /api/v1/events (admin; the token is shown once)',
        tags,
        params: SiteParams,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
          expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPIRY_DAYS })),
          rateLimitPerMinute: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_INGEST_RATE_LIMIT, default: DEFAULT_INGEST_RATE_LIMIT }),
          ),
        }),
        response: { 201: KeyWithToken, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const body = objectBody(request);
      const name = keyName(body.name);
      const expiresAt = expiry(body.expiresInDays, ctx.now());
      const rateLimitPerMinute = rateLimit(body.rateLimitPerMinute);
      const live = (await ctx.meta.ingestKeys.listForSite(site.id)).filter((key) => key.revokedAt === null);
      if (live.length >= MAX_INGEST_KEYS_PER_SITE) {
        throw new HttpError(
          409,
          `${site.domain} has ${MAX_INGEST_KEYS_PER_SITE} live ingest keys, the most allowed; revoke unused ones first`,
        );
      }
      const minted = ctx.tokens.newToken(TOKEN_PREFIXES.ingestKey);
      const key = await ctx.meta.ingestKeys.create({
        siteId: site.id,
        name,
        lookupId: minted.lookupId,
        hash: minted.hash,
        expiresAt,
        rateLimitPerMinute,
        createdBy: principal.user.id,
      });
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'ingest_key.created',
        details: { keyId: key.id, name, prefix: `${TOKEN_PREFIXES.ingestKey}_${key.lookupId}`, site: site.domain },
      });
      return reply.code(201).send({ key: ingestKeyView(key, usage), token: minted.token });
    },
  );

  app.post(
    '/api/sites/:siteId/ingest-keys/:id/regenerate',
    {
      onRequest: guards.site('admin', 'sites:write'),
      schema: {
        summary: 'Replace an ingest key with a new token; the old one stops working at once (admin)',
        tags,
        params: KeyParams,
        response: { 200: KeyWithToken, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { site, principal } = guards.siteOf(request);
      const key = await siteKey(request, site.id);
      if (key.revokedAt !== null) throw new HttpError(409, 'This ingest key is revoked; create a new key instead');
      if (key.expiresAt !== null && key.expiresAt.getTime() <= ctx.now()) {
        throw new HttpError(409, 'This ingest key has expired; create a new key instead');
      }
      const minted = ctx.tokens.newToken(TOKEN_PREFIXES.ingestKey);
      const updated = await ctx.meta.ingestKeys.replaceSecret(key.id, minted.lookupId, minted.hash);
      if (updated === undefined) throw notFound('ingest key', request, 'on this site');
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'ingest_key.regenerated',
        details: {
          keyId: key.id,
          name: key.name,
          oldPrefix: `${TOKEN_PREFIXES.ingestKey}_${key.lookupId}`,
          prefix: `${TOKEN_PREFIXES.ingestKey}_${updated.lookupId}`,
          site: site.domain,
        },
      });
      return { key: ingestKeyView(updated, usage), token: minted.token };
    },
  );

  app.delete(
    '/api/sites/:siteId/ingest-keys/:id',
    {
      onRequest: guards.site('admin', 'sites:write'),
      schema: {
        summary: 'Revoke an ingest key; it stops working at once and stays listed as revoked (admin)',
        tags,
        params: KeyParams,
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const key = await siteKey(request, site.id);
      if (key.revokedAt === null) {
        await ctx.meta.ingestKeys.revoke(key.id, new Date(ctx.now()));
        await ctx.audit.record(request, {
          userId: principal.user.id,
          siteId: site.id,
          action: 'ingest_key.revoked',
          details: { keyId: key.id, name: key.name, prefix: `${TOKEN_PREFIXES.ingestKey}_${key.lookupId}` },
        });
      }
      return reply.code(204).send();
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Shields

const ShieldView = Type.Object({
  id: Type.Integer(),
  kind: Type.Union(SHIELD_KINDS.map((kind) => Type.Literal(kind))),
  value: Type.String(),
  description: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

function shieldView(shield: Shield) {
  return {
    id: shield.id,
    kind: shield.kind,
    value: shield.value,
    description: shield.description,
    createdAt: shield.createdAt.toISOString(),
  };
}

function registerShieldRoutes(app: FastifyInstance, ctx: ApiContext, guards: SiteGuards) {
  const tags = ['shields'];
  const SiteParams = Type.Object({ siteId: Type.String() });

  app.get(
    '/api/sites/:siteId/shields',
    {
      onRequest: guards.site('admin', 'sites:read'),
      schema: {
        summary: "List a site's shields: events they match are not recorded (admin)",
        tags,
        params: SiteParams,
        response: { 200: Type.Object({ shields: Type.Array(ShieldView) }), ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const { site } = guards.siteOf(request);
      const shields = await ctx.meta.shields.listForSite(site.id);
      return { shields: shields.map(shieldView) };
    },
  );

  app.post(
    '/api/sites/:siteId/shields',
    {
      onRequest: guards.site('admin', 'sites:write'),
      schema: {
        summary: 'Add a shield: an IP or CIDR range, a country, a path pattern or a hostname to ignore (admin)',
        tags,
        params: SiteParams,
        body: Type.Object({
          kind: Type.Union(SHIELD_KINDS.map((kind) => Type.Literal(kind))),
          value: Type.String({
            description:
              'ip: 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32 · country: DE · path: /admin/** (* within a segment, ** across) · hostname: staging.example.com or *.example.com',
          }),
          description: Type.Optional(Type.String({ maxLength: MAX_DESCRIPTION_LENGTH })),
        }),
        response: { 201: ShieldView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const body = objectBody(request);
      const kind = shieldKind(body.kind);
      const checked = parseShieldValue(kind, body.value);
      if (!checked.ok) throw badRequest(checked.error);
      const description = optionalText(body.description, 'description', MAX_DESCRIPTION_LENGTH);
      const existing = await ctx.meta.shields.listForSite(site.id);
      if (existing.some((shield) => shield.kind === kind && shield.value === checked.value)) {
        throw new HttpError(409, `${site.domain} already has the ${kind} shield ${checked.value}`);
      }
      if (existing.length >= MAX_SHIELDS_PER_SITE) {
        throw new HttpError(
          409,
          `${site.domain} has ${MAX_SHIELDS_PER_SITE.toLocaleString('en')} shields, the most allowed; delete some first`,
        );
      }
      const shield = await ctx.meta.shields.create({ siteId: site.id, kind, value: checked.value, description });
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'shield.created',
        details: { shieldId: shield.id, kind, value: shield.value, site: site.domain },
      });
      return reply.code(201).send(shieldView(shield));
    },
  );

  app.delete(
    '/api/sites/:siteId/shields/:id',
    {
      onRequest: guards.site('admin', 'sites:write'),
      schema: {
        summary: 'Remove a shield (admin)',
        tags,
        params: Type.Object({ siteId: Type.String(), id: Type.String() }),
        response: { 204: Type.Null(), ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { site, principal } = guards.siteOf(request);
      const id = routeId(request, 'id');
      const shield = id === undefined ? undefined : await ctx.meta.shields.findById(id);
      if (shield === undefined || shield.siteId !== site.id) throw notFound('shield', request, 'on this site');
      await ctx.meta.shields.delete(shield.id);
      await ctx.audit.record(request, {
        userId: principal.user.id,
        siteId: site.id,
        action: 'shield.deleted',
        details: { shieldId: shield.id, kind: shield.kind, value: shield.value, site: site.domain },
      });
      return reply.code(204).send();
    },
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Input checks shared by the routes above: each names the field and what a valid value looks like.

const ErrorBody = Type.Object({ error: Type.String() });

function errors(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, ErrorBody]));
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** A numeric id from the route, or undefined when it cannot be one (answered as not found). */
function routeId(request: FastifyRequest, name: string): number | undefined {
  const text = param(request, name);
  return ID.test(text) ? Number(text) : undefined;
}

/** One answer for "does not exist" and "is not yours", so ids of other accounts' keys cannot be probed. */
function notFound(what: string, request: FastifyRequest, where: string): HttpError {
  return new HttpError(404, `No ${what} with id ${JSON.stringify(param(request, 'id').slice(0, 20))} ${where}`);
}

function objectBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Send a JSON object');
  return body as Record<string, unknown>;
}

function keyName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw badRequest(`name is required: 1 to ${MAX_NAME_LENGTH} characters that say where the key is used`);
  }
  return name;
}

function apiKeyScopes(value: unknown): ApiKeyScope[] {
  const allowed = API_KEY_SCOPES.join(', ');
  if (!Array.isArray(value) || value.length === 0) {
    throw badRequest(`scopes must be a non-empty list of: ${allowed}`);
  }
  const scopes = new Set<ApiKeyScope>();
  for (const scope of value) {
    if (typeof scope !== 'string' || !(API_KEY_SCOPES as readonly string[]).includes(scope)) {
      throw badRequest(`Unknown scope ${JSON.stringify(scope)}; scopes are ${allowed}`);
    }
    scopes.add(scope as ApiKeyScope);
  }
  // Stored in the canonical order, so listings read the same however the key was asked for.
  return API_KEY_SCOPES.filter((scope) => scopes.has(scope));
}

function expiry(value: unknown, now: number): Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_EXPIRY_DAYS) {
    throw badRequest(`expiresInDays must be a whole number from 1 to ${MAX_EXPIRY_DAYS}, or left out for no expiry`);
  }
  return new Date(now + value * DAY_MS);
}

function rateLimit(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_INGEST_RATE_LIMIT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_INGEST_RATE_LIMIT) {
    throw badRequest(
      `rateLimitPerMinute must be a whole number of events from 1 to ${MAX_INGEST_RATE_LIMIT.toLocaleString('en')} (default ${DEFAULT_INGEST_RATE_LIMIT.toLocaleString('en')})`,
    );
  }
  return value;
}

function shieldKind(value: unknown): ShieldKind {
  if (typeof value !== 'string' || !(SHIELD_KINDS as readonly string[]).includes(value)) {
    throw badRequest(`kind must be one of ${SHIELD_KINDS.join(', ')}`);
  }
  return value as ShieldKind;
}

function optionalText(value: unknown, field: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`${field} must be text`);
  const text = value.trim();
  if (text.length > max) throw badRequest(`${field} must be at most ${max} characters`);
  return text;
}
