import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../http/app.js';
import { createMetrics } from '../http/metrics.js';
import { createLogger } from '../logging.js';
import { DROPPED_HEADER, registerIngestRoutes } from './routes.js';
import type { IngestService } from './service.js';

/** The ingestion routes on the real app, with an ingest service that accepts everything and a captured log. */
async function setup(accept: IngestService['accept'] = async (events) => ({ accepted: events.length, dropped: [] })) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({
    logger: createLogger({ level: 'warn', destination }),
    metrics: createMetrics(),
    trustProxy: 'false',
    publicUrl: 'http://localhost:8000',
    health: async () => ({ components: {}, journalPending: 0 }),
    routes: (scope) => registerIngestRoutes(scope, { ingest: { accept } }),
  });
  return { app, lines };
}

const PAGEVIEW = JSON.stringify({ n: 'pageview', u: 'https://example.com/', d: 'example.com' });

describe('ingestion CORS', () => {
  it('answers a preflight from any page with the headers @fastify/cors sent', async () => {
    const { app } = await setup();
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/api/event',
      headers: {
        origin: 'https://example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-expose-headers': DROPPED_HEADER,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, x-umami-cache',
      'access-control-max-age': '86400',
      'content-length': '0',
      'x-content-type-options': 'nosniff',
    });
    await app.close();
  });

  it('refuses a preflight without Origin or requested method, as strict preflight does', async () => {
    const { app } = await setup();
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/api/send',
      headers: { origin: 'https://a.example' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('Invalid Preflight Request');
    await app.close();
  });

  it('lets pages read ingestion answers, errors included, and leaves other routes without CORS', async () => {
    const { app } = await setup();
    const accepted = await app.inject({
      method: 'POST',
      url: '/api/event',
      headers: { 'content-type': 'text/plain' },
      payload: PAGEVIEW,
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['access-control-allow-origin']).toBe('*');
    expect(accepted.headers['access-control-expose-headers']).toBe(DROPPED_HEADER);
    const unsupported = await app.inject({
      method: 'POST',
      url: '/api/event',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect(unsupported.statusCode).toBe(415);
    expect(unsupported.headers['access-control-allow-origin']).toBe('*');
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
  });
});

describe('request logging', () => {
  it('still logs a failing request with its request id, although request loggers are made lazily', async () => {
    const { app, lines } = await setup(async () => {
      throw new Error('state store unreachable');
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/event',
      headers: { 'content-type': 'text/plain' },
      payload: PAGEVIEW,
    });
    expect(response.statusCode).toBe(500);
    const failure = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'request failed');
    expect(failure).toMatchObject({ level: 50, err: { message: 'state store unreachable' } });
    expect(typeof failure?.reqId).toBe('string');
    await app.close();
  });
});
