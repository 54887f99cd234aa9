import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { API_CSP, DASHBOARD_CSP, HSTS, registerSecurityHeaders, SHARE_CSP } from './security-headers.js';

const HTML = '<!doctype html><title>x</title>';

async function appWith(secure: boolean): Promise<FastifyInstance> {
  const app = Fastify();
  registerSecurityHeaders(app, { secure });
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(HTML));
  app.get('/example.com/settings/general', async (_request, reply) => reply.type('text/html').send(HTML));
  app.get('/share/:slug', async (_request, reply) => reply.type('text/html; charset=utf-8').send(HTML));
  app.get('/sharepoint', async (_request, reply) => reply.type('text/html').send(HTML));
  app.get('/api/account', async () => ({ ok: true }));
  app.get('/own-policy', async (_request, reply) =>
    reply.header('content-security-policy', "default-src 'none'").type('text/html').send(HTML),
  );
  await app.ready();
  return app;
}

describe('registerSecurityHeaders', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app?.close();
  });

  it('gives dashboard pages a CSP without inline script or eval, and forbids framing them', async () => {
    app = await appWith(false);
    for (const url of ['/', '/example.com/settings/general', '/sharepoint?x=/share/']) {
      const response = await app.inject({ url });
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toBe(DASHBOARD_CSP);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    }
    expect(DASHBOARD_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'",
    );
  });

  it('lets any site embed shared dashboards', async () => {
    app = await appWith(false);
    const response = await app.inject({ url: '/share/AbCdEf0123456789AbCdEf?embed=true' });
    expect(response.headers['content-security-policy']).toBe(SHARE_CSP);
    expect(String(response.headers['content-security-policy'])).toContain('frame-ancestors *');
    expect(response.headers['x-frame-options']).toBeUndefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives API answers a policy that loads nothing', async () => {
    app = await appWith(false);
    const response = await app.inject({ url: '/api/account' });
    expect(response.headers['content-security-policy']).toBe(API_CSP);
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it('keeps a policy a route set itself', async () => {
    app = await appWith(false);
    const response = await app.inject({ url: '/own-policy' });
    expect(response.headers['content-security-policy']).toBe("default-src 'none'");
  });

  it('sends HSTS only when served over HTTPS', async () => {
    app = await appWith(false);
    expect((await app.inject({ url: '/' })).headers['strict-transport-security']).toBeUndefined();
    await app.close();
    app = await appWith(true);
    expect((await app.inject({ url: '/' })).headers['strict-transport-security']).toBe(HSTS);
    expect((await app.inject({ url: '/api/account' })).headers['strict-transport-security']).toBe(HSTS);
  });
});
