import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/logging.js';
import { type RunningServer, startServer } from '../src/main.js';
import { tempDataDir } from './support/server.js';

/**
 * Under a backlog the server must say "later" instead of buffering without bound. Here the flusher waits a minute
 * between runs, so the journal's backlog limit (100 events) is reached within one test.
 */
let server: RunningServer;

beforeAll(async () => {
  const config = loadConfig({
    DATA_DIR: tempDataDir(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JOURNAL_MAX_PENDING: '100',
    FLUSH_INTERVAL_MS: '60000',
    INGEST_RATE_LIMIT_PER_IP: '0',
    METRICS_TOKEN: 'scrape-token-0123456789',
  });
  server = await startServer(config, createLogger({ level: 'silent' }));
  await server.stores.meta.sites.create({ domain: 'busy.example' });
});

afterAll(async () => {
  await server?.close();
});

const send = (i: number) =>
  fetch(`${server.url}/api/event`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      'user-agent':
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
    body: JSON.stringify({ n: 'pageview', u: `https://busy.example/${i}`, d: 'busy.example' }),
  });

describe('metrics token', () => {
  it('keeps /metrics closed without the configured bearer token', async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Bearer/);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server.url}/metrics`, {
      headers: { authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(right.status).toBe(200);
  });
});

describe('overload', () => {
  it('answers 503 with Retry-After once the backlog limit is reached, and loses nothing it acknowledged', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 110; i++) {
      const response = await send(i);
      statuses.push(response.status);
      if (response.status === 503) {
        retryAfter = response.headers.get('retry-after');
        expect((await response.json()).error).toMatch(/retry/i);
      }
    }
    expect(statuses.slice(0, 100).every((status) => status === 202)).toBe(true);
    expect(statuses.slice(100).every((status) => status === 503)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-0123456789' } })
    ).text();
    expect(metrics).toMatch(/sightline_events_dropped_total\{reason="overloaded"\} 10/);

    // Once the backlog drains, the same client is welcome again and every acknowledged event is stored.
    await server.flushNow();
    expect((await send(200)).status).toBe(202);
    await server.flushNow();
    const [stored] = await server.stores.events.query<{ events: string }>(
      `SELECT count() AS events FROM ${server.stores.events.eventsTable}`,
    );
    expect(Number(stored?.events)).toBe(101);
  });
});
