import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

interface Asset {
  body: Buffer;
  /** Precompressed copies written by the tracker build, served when the browser accepts them. */
  brotli?: Buffer;
  gzip?: Buffer;
  etag: string;
  immutable: boolean;
}

/** One variant of the built tracker, as packages/tracker/build.mjs records it in dist/manifest.json. */
export interface TrackerBuild {
  file: string;
  versionedFile: string;
  /** Subresource Integrity hash of the versioned file (`sha384-…`). */
  sri: string;
  gzipBytes: number;
}

export type TrackerManifest = Partial<Record<'default' | 'full', TrackerBuild>>;

export function readTrackerManifest(distDir: string = trackerDistDir()): TrackerManifest {
  try {
    return JSON.parse(readFileSync(join(distDir, 'manifest.json'), 'utf8')) as TrackerManifest;
  } catch {
    return {};
  }
}

/**
 * The tag a site owner pastes: the content-hashed file with its SRI hash when the build is known (a tampered or
 * swapped script is refused by the browser), else the stable alias.
 */
export function trackerSnippet(options: {
  publicUrl: string;
  domain: string;
  manifest: TrackerManifest;
  variant?: 'default' | 'full';
}): string {
  const build = options.manifest[options.variant ?? 'default'];
  const domain = escapeAttribute(options.domain);
  if (!build) return `<script defer src="${options.publicUrl}/js/s.js" data-domain="${domain}"></script>`;
  return `<script defer src="${options.publicUrl}/js/${build.versionedFile}" integrity="${build.sri}" crossorigin="anonymous" data-domain="${domain}"></script>`;
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
    const asset: Asset = { body, etag, immutable: VERSIONED.test(name) };
    if (existsSync(join(dir, `${name}.br`))) asset.brotli = readFileSync(join(dir, `${name}.br`));
    if (existsSync(join(dir, `${name}.gz`))) asset.gzip = readFileSync(join(dir, `${name}.gz`));
    assets.set(name, asset);
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
      reply.header('vary', 'accept-encoding');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      const accepted = String(request.headers['accept-encoding'] ?? '');
      if (asset.brotli && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(asset.brotli);
      if (asset.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
      return reply.send(asset.body);
    },
  );
}
