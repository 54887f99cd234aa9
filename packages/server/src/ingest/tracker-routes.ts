import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

interface Asset {
  body: Buffer;
  etag: string;
  immutable: boolean;
}

/** Where the built tracker lives: the @sightline/tracker workspace's dist folder. */
export function trackerDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@sightline/tracker/package.json')), 'dist');
}

/** Content-hashed names (`s.3f9a1c2b.js`) never change, so browsers may cache them for a year. */
const VERSIONED = /\.[0-9a-f]{8,}\.js$/;

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.js')) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, etag, immutable: VERSIONED.test(name) });
  }
  return assets;
}

/**
 * Serves the tracking script under its stable alias (`/js/s.js`, revalidated hourly) and under content-hashed names
 * (`/js/s.<hash>.js`, cached for a year) — the dashboard's snippet uses the hashed name with its SRI hash.
 * The files are read once at start: they are a few KB and change only with a new build.
 */
export async function registerTrackerRoutes(app: FastifyInstance, options: { distDir?: string } = {}) {
  const assets = loadAssets(options.distDir ?? trackerDistDir());
  app.get(
    '/js/:file',
    {
      schema: {
        summary: 'The tracking script',
        tags: ['ingestion'],
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._-]+\\.js$', maxLength: 100 }) }),
        response: { 200: Type.String(), 304: Type.Null(), 404: Type.Object({ error: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      const asset = assets.get(file);
      if (!asset) {
        const hint = assets.size === 0 ? ' (the tracker is not built: run `npm run build`)' : '';
        return reply.code(404).send({ error: `No script named ${file}${hint}` });
      }
      reply
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('etag', asset.etag)
        .header(
          'cache-control',
          asset.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600, must-revalidate',
        )
        .type('application/javascript; charset=utf-8');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.send(asset.body);
    },
  );
}
