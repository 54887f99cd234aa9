import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHomeRoute } from './home-route.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

let dir: string;
let built: FastifyInstance;
let unbuilt: FastifyInstance;

async function appServing(distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `No route for ${request.url}` }));
  app.get('/api/sites', async () => ({ sites: [] }));
  registerHomeRoute(app, { publicUrl: 'https://stats.example.com', dashboardDir: distDir });
  await app.ready();
  return app;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sightline-dashboard-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'assets/app-1a2b3c.js'), SCRIPT);
  writeFileSync(join(dir, 'assets/app-1a2b3c.js.br'), brotliCompressSync(SCRIPT));
  built = await appServing(dir);
  unbuilt = await appServing(join(dir, 'not-built'));
});

afterAll(async () => {
  await built?.close();
  await unbuilt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a built dashboard', () => {
  it('answers / and every app page with index.html, revalidated on each visit, under the dashboard CSP', async () => {
    for (const url of ['/', '/example.com', '/example.com/settings/goals?x=1', '/share/abc']) {
      const response = await built.inject({ url, headers: HTML });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toBe(INDEX);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(url.startsWith('/share/') ? 'frame-ancestors *' : "frame-ancestors 'none'");
    }
  });

  it('answers a repeated visit with 304 by ETag', async () => {
    const first = await built.inject({ url: '/', headers: HTML });
    const again = await built.inject({ url: '/', headers: { ...HTML, 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves hashed assets for a year, precompressed when the browser takes it', async () => {
    const plain = await built.inject({ url: '/assets/app-1a2b3c.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe(SCRIPT);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.vary).toBe('accept-encoding');
    const compressed = await built.inject({ url: '/assets/app-1a2b3c.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(compressed.rawPayload.length).toBeLessThan(SCRIPT.length / 10);
    const icon = await built.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
  });

  it('serves nothing outside the built files, whatever the path says', async () => {
    for (const url of [
      '/assets/missing.js',
      '/assets/app-1a2b3c.js.br',
      '/assets/..%2findex.html',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/sub/app-1a2b3c.js',
    ]) {
      const response = await built.inject({ url });
      expect(response.statusCode, url).toBe(404);
    }
  });

  it('keeps API, tracker and operator paths, and requests that are not page loads, as JSON 404s', async () => {
    for (const url of ['/api/unknown', '/api', '/js/unknown.js', '/health/x', '/metrics', '/api-docs/x']) {
      const response = await built.inject({ url, headers: HTML });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type']).toMatch(/json/);
    }
    expect((await built.inject({ url: '/example.com', headers: { accept: 'application/json' } })).statusCode).toBe(404);
    expect((await built.inject({ url: '/api/sites', headers: HTML })).json()).toEqual({ sites: [] });
  });
});

describe('without a built dashboard', () => {
  it('keeps the landing page at / and says how to build the dashboard', async () => {
    const response = await unbuilt.inject({ url: '/', headers: HTML });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Sightline is running');
    expect(response.body).toContain('npm run build');
    expect(String(response.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect((await unbuilt.inject({ url: '/example.com', headers: HTML })).statusCode).toBe(404);
  });
});
