import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { LIMITS } from '../domain/event.js';
import { badRequest, HttpError, serviceUnavailable } from '../http/errors.js';
import { parsePlausibleBody } from './formats/plausible.js';
import { parseUmamiBody } from './formats/umami.js';
import { type IngestOutcome, type IngestService, OverloadError } from './service.js';
import type { RawEvent, RequestContext } from './types.js';

/** Response header naming why events of an acknowledged request were not stored (comma-separated reasons). */
export const DROPPED_HEADER = 'x-sightline-dropped';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bodies arrive as JSON (`application/json`) or as JSON inside `text/plain` (what sendBeacon sends without a CORS
 * preflight, and what Plausible's tracker uses). Both are decoded strictly: invalid UTF-8 is the sender's bug and
 * gets a 400 that says so rather than silently becoming U+FFFD in stored data.
 */
export function jsonBodyParser(emptyMessage: string) {
  return (_request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      done(badRequest('Request body is not valid UTF-8'));
      return;
    }
    if (text.trim() === '') {
      done(badRequest(emptyMessage));
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(badRequest(`Request body is not valid JSON: ${(error as Error).message}`));
    }
  };
}

const parseJsonBody = jsonBodyParser('Request body is empty; send a JSON object');

const PlausibleBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        maxLength: LIMITS.eventName,
        description: '`pageview`, `engagement` or a custom event name (short key `n`)',
      }),
    ),
    url: Type.Optional(Type.String({ maxLength: LIMITS.url, description: 'Absolute page URL (short key `u`)' })),
    domain: Type.Optional(
      Type.String({ description: 'Site domain; comma-separated to send to several sites (short key `d`)' }),
    ),
    referrer: Type.Optional(Type.String({ maxLength: LIMITS.referrer, description: 'Referrer URL (short key `r`)' })),
    props: Type.Optional(
      Type.Union(
        [Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])), Type.String()],
        { description: 'Custom properties, object or JSON string (short key `p`), at most 30' },
      ),
    ),
    revenue: Type.Optional(Type.Unknown({ description: '{ amount, currency } or its JSON string (short key `$`)' })),
    interactive: Type.Optional(
      Type.Boolean({ description: 'false for events that must not affect bounce rate (short key `i`)' }),
    ),
    hashMode: Type.Optional(
      Type.Unknown({ description: 'Treat the URL fragment as part of the path (short key `h`)' }),
    ),
  },
  {
    additionalProperties: true,
    description:
      "Plausible's Events API body, long or short keys, as JSON or as a JSON string in a text/plain body. Sightline's tracker adds the fields documented in ingest/formats/plausible.ts.",
  },
);

const UmamiBody = Type.Object(
  {
    type: Type.String({ description: '`event` or `identify`' }),
    payload: Type.Object(
      {
        website: Type.String({ description: 'The site public id (UUID)' }),
        url: Type.Optional(Type.String()),
        hostname: Type.Optional(Type.String()),
        referrer: Type.Optional(Type.String()),
        title: Type.Optional(Type.String()),
        language: Type.Optional(Type.String()),
        screen: Type.Optional(Type.String({ description: 'WIDTHxHEIGHT' })),
        name: Type.Optional(Type.String()),
        data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true, description: "Umami's tracker body (POST /api/send)" },
);

const ErrorBody = Type.Object({ error: Type.String() });

/** What every ingestion route can answer besides success: bad input, too large, wrong type, too many, backlog. */
const INGEST_ERRORS = { 400: ErrorBody, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody, 503: ErrorBody };

/** These routes validate with the format parsers (clear messages, short and long keys); schemas document them. */
const documentOnly = () => () => true;

export function registerIngestRoutes(app: FastifyInstance, deps: { ingest: IngestService }) {
  return app.register(async (scope) => {
    // Ingestion is called from every site's pages: CORS is open here and only here.
    registerOpenCors(scope);
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'text/plain'],
      { parseAs: 'buffer', bodyLimit: LIMITS.bodyBytes },
      parseJsonBody,
    );

    scope.post(
      '/api/event',
      {
        bodyLimit: LIMITS.bodyBytes,
        validatorCompiler: documentOnly,
        schema: {
          summary: 'Record a pageview or custom event (Plausible Events API compatible)',
          tags: ['ingestion'],
          body: PlausibleBody,
          response: {
            202: Type.String({
              description: '"ok"; events that were not stored are named in the X-Sightline-Dropped header',
            }),
            ...INGEST_ERRORS,
          },
        },
      },
      async (request, reply) => {
        const parsed = parsePlausibleBody(request.body);
        if (!parsed.ok) throw badRequest(parsed.error);
        const outcome = await acceptOrExplain(deps.ingest, parsed.events, contextOf(request));
        markDropped(reply, outcome);
        return reply.code(202).type('text/plain; charset=utf-8').send('ok');
      },
    );

    scope.post(
      '/api/send',
      {
        bodyLimit: LIMITS.bodyBytes,
        validatorCompiler: documentOnly,
        schema: {
          summary: 'Record an event sent by the Umami tracker',
          tags: ['ingestion'],
          body: UmamiBody,
          response: {
            200: Type.Object({ ok: Type.Boolean() }),
            ...INGEST_ERRORS,
          },
        },
      },
      async (request, reply) => {
        const parsed = parseUmamiBody(request.body);
        if (!parsed.ok) throw badRequest(parsed.error);
        const outcome = await acceptOrExplain(deps.ingest, parsed.events, contextOf(request));
        markDropped(reply, outcome);
        return reply.code(200).send({ ok: true });
      },
    );
  });
}

/**
 * Open CORS for the ingestion scope, answering exactly as @fastify/cors did with `origin: '*'`, methods POST and
 * OPTIONS, allowed headers content-type and x-umami-cache, the dropped header exposed and a one-day max age
 * (strict preflight, 204). The plugin resolved its options per request (object spreads, closures, a callback
 * chain) to set what here is constant; one synchronous hook with fixed headers does the same work for less.
 *
 * Like the plugin, it registers `OPTIONS *`: a preflight to any path is answered from this scope.
 */
function registerOpenCors(scope: FastifyInstance) {
  scope.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', DROPPED_HEADER);
    if (request.raw.method !== 'OPTIONS') {
      done();
      return;
    }
    if (!request.headers.origin || !request.headers['access-control-request-method']) {
      reply.status(400).type('text/plain').send('Invalid Preflight Request');
      return;
    }
    reply.header('access-control-allow-methods', 'POST, OPTIONS');
    reply.header('access-control-allow-headers', 'content-type, x-umami-cache');
    reply.header('access-control-max-age', '86400');
    reply.code(204).header('content-length', '0').send();
  });
  // Reached only if the hook above did not answer, which it always does for OPTIONS: a 404 as a fallback.
  scope.options('*', { schema: { hide: true } }, (_request, reply) => {
    reply.callNotFound();
  });
}

function contextOf(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : '',
    headers: request.headers,
    receivedAt: Date.now(),
    source: 'web',
  };
}

/**
 * Turns an outcome into the answer a sender can act on: when nothing was stored because the request itself was
 * wrong, a 400 naming the problem; rate limits as 429; otherwise the caller's 2xx with the dropped header.
 */
async function acceptOrExplain(ingest: IngestService, events: RawEvent[], ctx: RequestContext): Promise<IngestOutcome> {
  let outcome: IngestOutcome;
  try {
    outcome = await ingest.accept(events, ctx);
  } catch (error) {
    if (error instanceof OverloadError) throw serviceUnavailable(error.message, error.retryAfterSeconds);
    throw error;
  }
  if (outcome.accepted === 0 && outcome.dropped.length > 0) {
    const invalid = outcome.dropped.find((drop) => drop.reason === 'invalid');
    if (invalid && outcome.dropped.every((drop) => drop.reason === 'invalid')) {
      throw badRequest(invalid.detail ?? 'The event is invalid');
    }
    if (outcome.dropped.every((drop) => drop.reason.startsWith('rate_limited'))) {
      throw new HttpError(429, 'Too many events from this client or for this site; slow down', { 'retry-after': '60' });
    }
  }
  return outcome;
}

function markDropped(reply: FastifyReply, outcome: IngestOutcome) {
  if (outcome.dropped.length === 0) return;
  reply.header(DROPPED_HEADER, [...new Set(outcome.dropped.map((drop) => drop.reason))].join(','));
  // Plausible's own header, so tools written against Plausible see drops too.
  reply.header('x-plausible-dropped', '1');
}
