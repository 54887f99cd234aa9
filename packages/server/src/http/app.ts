import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../logging.js';
import { registerCsrfProtection } from './csrf.js';
import { DeferredChildLogger } from './deferred-child-logger.js';
import { HttpError } from './errors.js';
import type { Metrics } from './metrics.js';
import { type HealthCheck, registerOperationalRoutes } from './operational-routes.js';
import { registerSecurityHeaders } from './security-headers.js';

export interface AppOptions {
  logger: Logger;
  metrics: Metrics;
  /** Raw TRUST_PROXY setting: false, true, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
  trustProxy: string;
  health: HealthCheck;
  /** Bearer token /metrics requires, when set. */
  metricsToken?: string | undefined;
  /** The instance's public URL: its origin is the one cookie-authenticated changes must come from. */
  publicUrl: string;
  /** Registers the feature routes (ingestion, tracker, …) once the infrastructure plugins are in place. */
  routes: (app: FastifyInstance) => Promise<unknown> | unknown;
}

/**
 * The Fastify application: infrastructure plugins (errors, security headers, metrics, OpenAPI), then feature routes.
 * Every route declares its schemas; the OpenAPI document built from them is served at /api-docs.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    trustProxy: parseTrustProxy(options.trustProxy),
    // Ingestion bodies are small; larger bodies are refused per route with a 413 before they are buffered.
    bodyLimit: 1024 * 1024,
    // Per-request log lines at ingestion rates are noise; latency goes to /metrics, errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    requestTimeout: 30_000,
    // Only trust what we validate: drop unknown properties rather than coercing surprises into handlers.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Fastify builds a pino child logger for every request, and request logging is off: at ingestion rates that
    // child cost about 1.5% of the event loop for loggers almost never used. This one is made on first use.
    childLoggerFactory: (logger, bindings, childOptions) => new DeferredChildLogger(logger, bindings, childOptions),
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    }
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(status === 503 ? 503 : 500)
        .send({ error: status === 503 ? error.message : 'Internal server error' });
    }
    return reply.code(status).send({ error: clientMessage(error) });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  registerSecurityHeaders(app, { secure: options.publicUrl.startsWith('https://') });
  // Runs on every request: callback style, because an async hook costs a promise and a microtask hop each.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    options.metrics.requestCompleted(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) request.log.warn({ req: request, res: reply, ms: reply.elapsedTime }, 'server error');
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Sightline API',
        description: 'Privacy-first, self-hosted analytics. Ingestion, stats and management APIs.',
        version: '0.1.0',
      },
      tags: [
        { name: 'ingestion', description: 'Sending events' },
        { name: 'operations', description: 'Health, metrics, documentation' },
      ],
    },
  });
  registerCsrfProtection(app, { publicUrl: options.publicUrl });
  await registerOperationalRoutes(app, {
    metrics: options.metrics,
    health: options.health,
    metricsToken: options.metricsToken,
  });
  await options.routes(app);
  await app.ready();
  return app;
}

/** TRUST_PROXY in the shapes Fastify's trustProxy understands. */
export function parseTrustProxy(raw: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === 'yes') return true;
  if (/^\d+$/.test(value)) {
    // A hop count: trust that many proxies in front of us, counted from the socket.
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function clientMessage(error: FastifyError | HttpError): string {
  if (error instanceof HttpError) return error.message;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type; send application/json or text/plain';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Request body is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'Request body is not valid JSON';
    default:
      return error.message;
  }
}
