import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TOKEN_PREFIXES, type Tokens } from '../auth/tokens.js';
import type { IngestKey } from '../domain/account.js';
import { HttpError, serviceUnavailable } from '../http/errors.js';
import type { IngestKeyRepository } from '../storage/meta/meta-store.js';
import type { StateStore } from '../storage/state/state-store.js';
import { type ApiEventItem, MAX_BATCH_EVENTS, parseApiEvents } from './formats/api-events.js';
import type { IngestKeyUsage } from './ingest-key-usage.js';
import { jsonBodyParser } from './routes.js';
import { type IngestOutcome, type IngestService, OverloadError } from './service.js';
import type { DropReason, RawEvent, RequestContext } from './types.js';

/**
 * Largest body on the API-key route: 1,000 events of about 5 KB each. Larger batches are refused with a 413 before
 * they are buffered; senders split them.
 */
export const API_EVENTS_BODY_BYTES = 5 * 1024 * 1024;
const RATE_WINDOW_MS = 60_000;

export interface ApiEventRouteDeps {
  ingest: IngestService;
  ingestKeys: Pick<IngestKeyRepository, 'findByHash'>;
  tokens: Tokens;
  /** Per-key rate-limit windows (shared by all nodes that share the store). */
  state: StateStore;
  usage: IngestKeyUsage;
  now: () => number;
  /**
   * Told when accepted events are back-dated into a period that may already be closed (and its answers cached), so
   * the caller can drop the site's cached stats.
   */
  onBackdated?: (siteId: number) => Promise<void>;
}

/** Events older than this on arrival may land in a closed period (the stats cache treats periods as closed 2 min after they end). */
const BACKDATED_MS = 60_000;

export interface DroppedEvent {
  /** Position of the event in the request (0 for a single-event body). */
  index: number;
  reason: DropReason;
  detail?: string;
}

const ErrorBody = Type.Object({ error: Type.String() });
const EventSchema = Type.Object(
  {
    name: Type.String({ maxLength: 120, description: '`pageview` or a custom event name' }),
    url: Type.String({ maxLength: 4000, description: 'Absolute http(s) URL of the page or app screen' }),
    timestamp: Type.Optional(
      Type.Union([Type.String(), Type.Number()], {
        description: 'ISO 8601 with a zone, or epoch ms; at most 5 minutes ahead and 30 days back (default: now)',
      }),
    ),
    referrer: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    props: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: 'At most 30 pairs',
      }),
    ),
    revenue: Type.Optional(
      Type.Object({ amount: Type.Union([Type.Number(), Type.String()]), currency: Type.String() }),
    ),
    user_id: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
    user_agent: Type.Optional(Type.String({ description: "The visitor's user agent (default: the request's)" })),
    ip: Type.Optional(
      Type.String({ description: "The visitor's IP: used for the visitor id and country, never stored" }),
    ),
    screen: Type.Optional(Type.Object({ width: Type.Integer(), height: Type.Integer() })),
    language: Type.Optional(Type.String()),
    timezone: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/**
 * `POST /api/v1/events`: events from apps and servers, authenticated by a site's ingest key in `X-API-Key`. The key
 * decides the site. Events run through the same pipeline and journal as the browser's (source `api`), so they are
 * durable when the 202 is sent and the overload 503 applies.
 *
 * Per key: a rate limit in events per minute, counted in the state store in fixed one-minute windows; a request that
 * would go over it is refused whole (429 with Retry-After) and nothing of it is stored. Usage (last used, events
 * accepted) is counted in memory and written in batches (ingest-key-usage.ts).
 */
export function registerApiEventRoutes(app: FastifyInstance, deps: ApiEventRouteDeps) {
  const keyOf = new WeakMap<FastifyRequest, IngestKey>();

  return app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'text/plain'],
      { parseAs: 'buffer', bodyLimit: API_EVENTS_BODY_BYTES },
      jsonBodyParser('Request body is empty; send one event, or { "events": [ … ] }'),
    );

    scope.post(
      '/api/v1/events',
      {
        bodyLimit: API_EVENTS_BODY_BYTES,
        // The format parser validates, with messages per event; the schema documents.
        validatorCompiler: () => () => true,
        // Authenticate before the body is read: an unknown sender never gets megabytes parsed.
        onRequest: async (request) => {
          keyOf.set(request, await authenticate(request));
        },
        schema: {
          summary: 'Record events from an app or server with a site ingest key (X-API-Key)',
          tags: ['ingestion'],
          headers: Type.Object({ 'x-api-key': Type.String({ description: 'An ingest key, sl_ingest_…' }) }),
          body: Type.Union([
            EventSchema,
            Type.Object({ events: Type.Array(EventSchema, { minItems: 1, maxItems: MAX_BATCH_EVENTS }) }),
          ]),
          response: {
            202: Type.Object({
              accepted: Type.Integer(),
              dropped: Type.Array(
                Type.Object({
                  index: Type.Integer(),
                  reason: Type.String(),
                  detail: Type.Optional(Type.String()),
                }),
              ),
            }),
            400: ErrorBody,
            401: ErrorBody,
            413: ErrorBody,
            415: ErrorBody,
            429: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const key = keyOf.get(request);
        if (key === undefined) throw new HttpError(401, 'Send an ingest key in the X-API-Key header');
        const receivedAt = deps.now();
        const parsed = parseApiEvents(request.body, { siteId: key.siteId, receivedAt });
        if (!parsed.ok) throw new HttpError(parsed.status, parsed.error);

        await checkRateLimit(key, parsed.items.length, receivedAt);

        const valid = parsed.items.filter((item): item is Extract<ApiEventItem, { ok: true }> => item.ok);
        const userAgent = request.headers['user-agent'];
        const ctx: RequestContext = {
          ip: request.ip,
          userAgent: typeof userAgent === 'string' ? userAgent : '',
          headers: request.headers,
          receivedAt,
          source: 'api',
        };
        let outcome: IngestOutcome = { accepted: 0, dropped: [] };
        if (valid.length > 0) {
          try {
            outcome = await deps.ingest.accept(
              valid.map((item): RawEvent => item.raw),
              ctx,
            );
          } catch (error) {
            if (error instanceof OverloadError) throw serviceUnavailable(error.message, error.retryAfterSeconds);
            throw error;
          }
        }
        deps.usage.record(key.id, outcome.accepted, new Date(receivedAt));
        if (outcome.accepted > 0 && deps.onBackdated !== undefined) {
          const backdated = valid.some(
            (item) => typeof item.raw.timestamp === 'number' && item.raw.timestamp < receivedAt - BACKDATED_MS,
          );
          if (backdated) await deps.onBackdated(key.siteId);
        }

        const dropped: DroppedEvent[] = [];
        for (const item of parsed.items) {
          if (!item.ok) dropped.push({ index: item.index, reason: item.reason, detail: item.detail });
        }
        dropped.push(...pipelineDrops(valid, outcome));
        dropped.sort((a, b) => a.index - b.index);
        return reply.code(202).send({ accepted: outcome.accepted, dropped });
      },
    );
  });

  async function authenticate(request: FastifyRequest): Promise<IngestKey> {
    const header = request.headers['x-api-key'];
    if (header === undefined || header === '') {
      throw new HttpError(401, 'Send a site ingest key (sl_ingest_…) in the X-API-Key header');
    }
    if (typeof header !== 'string') throw new HttpError(401, 'Send exactly one X-API-Key header');
    const token = header.trim();
    if (!token.startsWith(`${TOKEN_PREFIXES.ingestKey}_`)) {
      throw new HttpError(
        401,
        token.startsWith(`${TOKEN_PREFIXES.apiKey}_`)
          ? 'X-API-Key needs a site ingest key (sl_ingest_…), not a personal API key'
          : 'X-API-Key is not an ingest key; they start with sl_ingest_',
      );
    }
    const hash = deps.tokens.hashToken(token);
    const key = hash === undefined ? undefined : await deps.ingestKeys.findByHash(hash);
    if (key === undefined) {
      throw new HttpError(401, 'Unknown ingest key: it may have been regenerated; check X-API-Key or create a key');
    }
    if (key.revokedAt !== null) throw new HttpError(401, 'This ingest key was revoked; create a new one');
    if (key.expiresAt !== null && key.expiresAt.getTime() <= deps.now()) {
      throw new HttpError(401, `This ingest key expired at ${key.expiresAt.toISOString()}; create a new one`);
    }
    return key;
  }

  /**
   * Counts the request's events against the key's window and refuses the request if the window would be over its
   * limit. Refused events still count: a sender that keeps pushing past the limit stays limited until the window
   * ends, which is what Retry-After says.
   */
  async function checkRateLimit(key: IngestKey, events: number, at: number): Promise<void> {
    const limit = key.rateLimitPerMinute;
    const window = Math.floor(at / RATE_WINDOW_MS);
    const retryAfter = String(Math.max(1, Math.ceil(((window + 1) * RATE_WINDOW_MS - at) / 1000)));
    if (events > limit) {
      throw new HttpError(
        429,
        `This request has ${events} events but the key allows ${limit} per minute; send smaller batches or raise the key's limit`,
        { 'retry-after': retryAfter },
      );
    }
    const stateKey = `ratelimit:ingest-key:${key.id}:${window}`;
    // One step for the whole batch: one state-store round trip (a Redis call with several nodes), not one per event.
    const counted = await deps.state.increment(stateKey, RATE_WINDOW_MS, events);
    if (counted > limit) {
      throw new HttpError(429, `This ingest key allows ${limit} events per minute; retry after the current minute`, {
        'retry-after': retryAfter,
      });
    }
  }
}

/**
 * The pipeline's drops with the request positions of their events: the ingest service reports each drop's position
 * in the list it was given (only the valid events), which maps back to the position in the request.
 */
function pipelineDrops(valid: ReadonlyArray<{ index: number }>, outcome: IngestOutcome): DroppedEvent[] {
  return outcome.dropped.map((drop) => {
    const entry: DroppedEvent = { index: valid[drop.index]?.index ?? drop.index, reason: drop.reason };
    if (drop.detail !== undefined) entry.detail = drop.detail;
    return entry;
  });
}
