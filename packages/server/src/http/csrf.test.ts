import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCsrfProtection } from './csrf.js';
import type { HttpError } from './errors.js';

const PUBLIC_URL = 'https://analytics.example.com';

/** The CSRF hook on a bare Fastify app: one changing route, one ingestion route, one read. */
describe('CSRF protection', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler((error: HttpError, _request, reply) =>
      reply.code(error.statusCode ?? 500).send({ error: error.message }),
    );
    registerCsrfProtection(app, { publicUrl: PUBLIC_URL });
    app.post('/api/account/password', async () => ({ changed: true }));
    app.post('/api/event', async () => 'ok');
    app.get('/api/account', async () => ({ read: true }));
    await app.ready();
  });

  afterAll(() => app.close());

  const send = (url: string, headers: Record<string, string>, method: 'POST' | 'GET' | 'DELETE' = 'POST') =>
    app
      .inject({
        method,
        url,
        headers: { 'content-type': 'application/json', ...headers },
        payload: method === 'GET' ? undefined : '{}',
      })
      .then((r) => r.statusCode);

  it('lets the dashboard through: same-origin fetch metadata, or its own Origin', async () => {
    expect(await send('/api/account/password', { cookie: 'sl_session=t', 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect(await send('/api/account/password', { cookie: 'sl_session=t', origin: PUBLIC_URL })).toBe(200);
  });

  it('refuses a cookie-carrying change that does not prove it comes from our pages', async () => {
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'none' },
      { origin: 'https://evil.example' },
      { origin: 'https://sub.analytics.example.com' },
      { origin: 'null' },
      {},
      { authorization: 'Bearer sl_live_x', origin: 'https://evil.example' },
    ]) {
      for (const cookie of ['sl_session=t', 'a=1;  sl_mfa=t', ' sl_share_12 =t', 'sl_oidc=t']) {
        expect(
          await send('/api/account/password', { cookie, ...headers }),
          `${cookie} ${JSON.stringify(headers)}`,
        ).toBe(403);
      }
    }
    // Unrouted changes too: the check does not depend on a route existing.
    expect(await send('/api/account/password', { cookie: 'sl_session=t' }, 'DELETE')).toBe(403);
  });

  it('refuses a cookie-less change that a browser marks as cross-site, and lets other clients through', async () => {
    expect(await send('/api/account/password', { origin: 'https://evil.example' })).toBe(403);
    expect(await send('/api/account/password', { 'sec-fetch-site': 'cross-site' })).toBe(403);
    expect(await send('/api/account/password', {})).toBe(200);
    expect(await send('/api/account/password', { cookie: 'theme=dark', 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect(await send('/api/account/password', { authorization: 'Bearer sl_live_x' })).toBe(200);
  });

  it('never blocks ingestion or reads, whatever they carry', async () => {
    const cookie = 'sl_session=t';
    expect(await send('/api/event', { cookie, 'sec-fetch-site': 'cross-site' })).toBe(200);
    expect(await send('/api/%65vent', { cookie, origin: 'https://blog.example.com' })).toBe(200);
    expect(await send('/api/account', { cookie, 'sec-fetch-site': 'cross-site' }, 'GET')).toBe(200);
  });
});
