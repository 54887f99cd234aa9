import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { readTrackerManifest } from '../src/ingest/tracker-routes.js';
import { createLogger } from '../src/logging.js';
import { type RunningServer, startServer } from '../src/main.js';
import { tempDataDir } from './support/server.js';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
/** A German address (Deutsche Telekom range) so the offline geo database has something to find. */
const GERMAN_IP = '91.64.10.20';

let server: RunningServer;
let logs = '';

beforeAll(async () => {
  const config = loadConfig({
    DATA_DIR: tempDataDir(),
    PORT: '0',
    HOST: '127.0.0.1',
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'info',
    INGEST_RATE_LIMIT_PER_IP: '50',
    FLUSH_INTERVAL_MS: '100',
  });
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk;
      done();
    },
  });
  server = await startServer(config, createLogger({ level: 'debug', secrets: config.secrets, destination }));
  await server.stores.meta.sites.create({ domain: 'example.com', timezone: 'Europe/Berlin' });
  await server.stores.meta.sites.create({ domain: 'second.example', timezone: 'UTC' });
});

afterAll(async () => {
  await server?.close();
});

let clientCounter = 0;
/** Each call looks like a different visitor (its own forwarded IP), so the per-IP limit stays out of the way. */
function send(path: string, body: unknown, headers: Record<string, string> = {}) {
  clientCounter++;
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': CHROME_MAC,
      'x-forwarded-for': `203.0.113.${clientCounter % 250}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function rowsWhere<T = Record<string, unknown>>(
  condition: string,
  params: Record<string, string> = {},
): Promise<T[]> {
  await server.app.ready();
  const deadline = Date.now() + 2_000;
  // Accepted events must be queryable within 2 s (the promise); poll until then.
  for (;;) {
    const rows = await server.stores.events.query<T>(
      `SELECT * FROM ${server.stores.events.eventsTable} WHERE ${condition} ORDER BY ts`,
      params,
    );
    if (rows.length > 0 || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('POST /api/event (Plausible Events API)', () => {
  it('stores an enriched pageview and answers 202 "ok"', async () => {
    const response = await send(
      '/api/event',
      {
        name: 'pageview',
        url: 'https://example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=launch#plans',
        domain: 'example.com',
        referrer: 'https://www.google.com/',
        props: { author: 'ada', variant: 2 },
      },
      { 'user-agent': SAFARI_IPHONE, 'x-forwarded-for': GERMAN_IP, 'accept-language': 'de-DE' },
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('ok');
    expect(response.headers.get('x-sightline-dropped')).toBeNull();

    const [row] = await rowsWhere<Record<string, unknown>>("pathname = '/pricing'");
    expect(row).toMatchObject({
      name: 'pageview',
      hostname: 'example.com',
      pathname: '/pricing',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'launch',
      referrer_source: 'Google',
      channel: 'Email',
      browser: expect.stringMatching(/Safari/),
      os: 'iOS',
      device: 'mobile',
      country: 'DE',
      source: 'web',
      props: { author: 'ada', variant: '2' },
    });
    expect(String(row?.visitor_id)).toMatch(/^\d+$/);
    // The IP is hashed into the visitor id and then forgotten: no column and no log line holds it.
    expect(JSON.stringify(row)).not.toContain(GERMAN_IP);
    expect(logs).not.toContain(GERMAN_IP);
  });

  it("accepts short keys in a text/plain body, as Plausible's tracker sends them", async () => {
    const response = await send(
      '/api/event',
      JSON.stringify({
        n: 'Signup',
        u: 'https://example.com/signup',
        d: 'example.com',
        r: null,
        p: '{"plan":"pro"}',
        $: '{"amount":"29.90","currency":"eur"}',
      }),
      { 'content-type': 'text/plain' },
    );
    expect(response.status).toBe(202);
    const [row] = await rowsWhere<Record<string, unknown>>("name = 'Signup'");
    expect(row).toMatchObject({ pathname: '/signup', props: { plan: 'pro' }, revenue_currency: 'EUR' });
    expect(Number(row?.revenue_amount)).toBeCloseTo(29.9);
  });

  it('fans one request out to every comma-separated domain', async () => {
    const response = await send('/api/event', {
      n: 'pageview',
      u: 'https://example.com/fan-out',
      d: 'example.com,second.example',
    });
    expect(response.status).toBe(202);
    const rows = await rowsWhere<{ site_id: number }>("pathname = '/fan-out'");
    await new Promise((r) => setTimeout(r, 300));
    const all = await rowsWhere<{ site_id: number }>("pathname = '/fan-out'");
    expect(new Set(all.map((row) => Number(row.site_id))).size).toBe(2);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('acknowledges events for an unknown site but names the drop in a header', async () => {
    const response = await send('/api/event', { n: 'pageview', u: 'https://nobody.example/', d: 'nobody.example' });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-sightline-dropped')).toBe('unknown_site');
  });

  it('drops bots and referrer spam with a reason', async () => {
    const bot = await send(
      '/api/event',
      { n: 'pageview', u: 'https://example.com/bot', d: 'example.com' },
      {
        'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      },
    );
    expect(bot.headers.get('x-sightline-dropped')).toBe('bot');
    const headless = await send(
      '/api/event',
      { n: 'pageview', u: 'https://example.com/bot', d: 'example.com' },
      {
        'user-agent': CHROME_MAC.replace('Chrome/', 'HeadlessChrome/'),
      },
    );
    expect(headless.headers.get('x-sightline-dropped')).toBe('bot');
    const spam = await send('/api/event', {
      n: 'pageview',
      u: 'https://example.com/spam',
      d: 'example.com',
      r: 'http://semalt.com/',
    });
    expect(spam.headers.get('x-sightline-dropped')).toBe('spam_referrer');
  });

  it('treats a referrer from the site itself as internal, not as a source', async () => {
    await send('/api/event', {
      n: 'pageview',
      u: 'https://example.com/internal',
      d: 'example.com',
      r: 'https://www.example.com/',
    });
    const [row] = await rowsWhere<Record<string, unknown>>("pathname = '/internal'");
    expect(row).toMatchObject({ referrer_source: '', channel: 'Direct' });
  });

  it('answers malformed input with a 4xx that says what to fix', async () => {
    const badJson = await send('/api/event', '{"n": "pageview",');
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error).toMatch(/JSON/);

    const invalidUtf8 = await fetch(`${server.url}/api/event`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(invalidUtf8.status).toBe(400);
    expect((await invalidUtf8.json()).error).toMatch(/UTF-8/);

    const missingUrl = await send('/api/event', { n: 'pageview', d: 'example.com' });
    expect(missingUrl.status).toBe(400);
    expect((await missingUrl.json()).error).toMatch(/url/);

    const relativeUrl = await send('/api/event', { n: 'pageview', u: '/just-a-path', d: 'example.com' });
    expect(relativeUrl.status).toBe(400);

    const array = await send('/api/event', [{ n: 'pageview', u: 'https://example.com/', d: 'example.com' }]);
    expect(array.status).toBe(400);

    const huge = await send('/api/event', {
      n: 'pageview',
      u: `https://example.com/${'a'.repeat(200_000)}`,
      d: 'example.com',
    });
    expect(huge.status).toBe(413);

    const form = await send('/api/event', 'n=pageview', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
  });

  it('caps over-long fields instead of failing', async () => {
    const response = await send('/api/event', {
      n: 'pageview',
      u: `https://example.com/long/${'x'.repeat(3000)}`,
      d: 'example.com',
      t: 'T'.repeat(900),
    });
    expect(response.status).toBe(202);
    const [row] = await rowsWhere<{ pathname: string; title: string }>("startsWith(pathname, '/long/')");
    expect(row?.pathname.length).toBeLessThanOrEqual(2000);
    expect(row?.title.length).toBeLessThanOrEqual(500);
  });

  it('throttles one IP past the configured per-minute limit with 429', async () => {
    const ip = '198.51.100.77';
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) {
      const response = await send(
        '/api/event',
        { n: 'pageview', u: `https://example.com/burst/${i}`, d: 'example.com' },
        { 'x-forwarded-for': ip },
      );
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 50).every((status) => status === 202)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('allows cross-origin ingestion, and only ingestion', async () => {
    const preflight = await fetch(`${server.url}/api/event`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    const health = await fetch(`${server.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('POST /api/send (Umami tracker)', () => {
  it("stores a pageview addressed by the site's public id", async () => {
    const site = await server.stores.meta.sites.findByDomain('example.com');
    const response = await send('/api/send', {
      type: 'event',
      payload: {
        website: site?.publicId,
        hostname: 'example.com',
        url: '/from-umami?ref=producthunt',
        referrer: 'https://news.ycombinator.com/item?id=1',
        title: 'From Umami',
        language: 'en-US',
        screen: '1440x900',
      },
    });
    expect(response.status).toBe(200);
    const [row] = await rowsWhere<Record<string, unknown>>("pathname = '/from-umami'");
    expect(row).toMatchObject({
      title: 'From Umami',
      language: 'en-US',
      screen_w: 1440,
      screen_h: 900,
      referrer_domain: 'news.ycombinator.com',
    });
  });

  it('stores a custom event with its data as props', async () => {
    const site = await server.stores.meta.sites.findByDomain('example.com');
    await send('/api/send', {
      type: 'event',
      payload: {
        website: site?.publicId,
        hostname: 'example.com',
        url: '/checkout',
        name: 'checkout-click',
        data: { cart: 3 },
      },
    });
    const [row] = await rowsWhere<Record<string, unknown>>("name = 'checkout-click'");
    expect(row).toMatchObject({ pathname: '/checkout', props: { cart: '3' } });
  });
});

describe('GET /js/… (the tracking script)', () => {
  it('serves the content-hashed script for a year, matching the SRI hash the snippet carries', async () => {
    const manifest = readTrackerManifest();
    const build = manifest.default;
    expect(build).toBeDefined();
    const response = await fetch(`${server.url}/js/${build?.versionedFile}`, { headers: { 'accept-encoding': 'br' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = Buffer.from(await response.arrayBuffer());
    expect(`sha384-${createHash('sha384').update(body).digest('base64')}`).toBe(build?.sri);
  });

  it('serves the stable alias with short caching and revalidation', async () => {
    const response = await fetch(`${server.url}/js/s.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('max-age=3600');
    const etag = response.headers.get('etag');
    const again = await fetch(`${server.url}/js/s.js`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect((await fetch(`${server.url}/js/nope.js`)).status).toBe(404);
  });
});

describe('operations', () => {
  it('reports each store on /health', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe('ok');
    expect(Object.keys(body.components)).toEqual(expect.arrayContaining(['metadata', 'events', 'state']));
    expect(body.journal.pending).toBeGreaterThanOrEqual(0);
  });

  it('exposes accepted and dropped counters on /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/sightline_events_accepted_total\{source="web"\} [1-9]/);
    expect(text).toMatch(/sightline_events_dropped_total\{reason="unknown_site"\} [1-9]/);
    expect(text).toContain('sightline_journal_pending_events');
    expect(text).toContain('sightline_flush_duration_seconds_bucket');
    expect(text).toContain('sightline_http_request_duration_seconds_bucket');
  });

  it('serves an OpenAPI document describing every route', async () => {
    const doc = await (await fetch(`${server.url}/api-docs`)).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/event', '/api/send', '/health', '/metrics']));
  });
});
