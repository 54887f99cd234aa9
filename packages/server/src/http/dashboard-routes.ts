import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DASHBOARD_CSP, SHARE_CSP } from './security-headers.js';

/**
 * Serves the dashboard (packages/dashboard/dist, built by `npm run build`): hashed assets with a year of immutable
 * caching, index.html for every page of the single-page app with no-cache, under the dashboard's Content Security
 * Policy (security-headers.ts: nothing inline, nothing from elsewhere; /share/* may be framed, the rest not).
 *
 * The SPA fallback answers a GET that accepts text/html and is not an API or operator path, so /example.com or
 * /account/sessions load the app, while /api/… keeps its JSON 404s. Only files listed when the folder is read can be
 * sent, by exact name: no request path is ever joined onto the file system.
 */

/** Where `npm run build` puts the dashboard, from src/http or dist/http of the server package alike. */
export function dashboardDistDir(): string {
  return resolve(import.meta.dirname, '../../../dashboard/dist');
}

/** Paths the SPA never answers: they belong to the API, the tracker script and the operator endpoints. */
const RESERVED_PREFIXES = ['/api/', '/js/'];
const RESERVED_EXACT = ['/api', '/js', '/health', '/metrics', '/api-docs'];

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
  json: 'application/json; charset=utf-8',
  webmanifest: 'application/manifest+json',
  txt: 'text/plain; charset=utf-8',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
  woff: 'font/woff',
};

interface StaticFile {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  etag: string;
  type: string;
}

export interface DashboardRoutesOptions {
  /** The built dashboard folder (defaults to packages/dashboard/dist). */
  distDir?: string;
}

/**
 * Registers the dashboard when it has been built. Returns false (registering nothing) when the folder or its
 * index.html is missing, so the caller can show a landing page that says how to build it.
 */
export function registerDashboardRoutes(app: FastifyInstance, options: DashboardRoutesOptions = {}): boolean {
  const distDir = options.distDir ?? dashboardDistDir();
  const indexPath = join(distDir, 'index.html');
  if (!existsSync(indexPath)) return false;

  const files = new DashboardFiles(distDir);

  const sendIndex = (request: FastifyRequest, reply: FastifyReply) => {
    const index = files.index();
    const shared = pathOf(request).startsWith('/share/');
    // The same policies the security-headers hook would pick, set here so the page never depends on hook order.
    reply
      .header('content-security-policy', shared ? SHARE_CSP : DASHBOARD_CSP)
      .header('cache-control', 'no-cache')
      .header('cross-origin-opener-policy', 'same-origin');
    return sendFile(request, reply, index);
  };

  app.get('/', { schema: { hide: true } }, sendIndex);
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = pathOf(request);
    if (path.startsWith('/assets/')) {
      const asset = files.asset(path.slice('/assets/'.length));
      if (!asset) return reply.callNotFound();
      reply.header('cache-control', IMMUTABLE);
      return sendFile(request, reply, asset);
    }
    const rootFile = path.indexOf('/', 1) === -1 ? files.root(path.slice(1)) : undefined;
    if (rootFile) {
      reply.header('cache-control', 'public, max-age=3600');
      return sendFile(request, reply, rootFile);
    }
    if (isReserved(path) || !acceptsHtml(request)) return reply.callNotFound();
    return sendIndex(request, reply);
  });
  return true;
}

function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function isReserved(path: string): boolean {
  if (RESERVED_PREFIXES.some((prefix) => path.startsWith(prefix))) return true;
  return RESERVED_EXACT.some((exact) => path === exact || path.startsWith(`${exact}/`));
}

/** A browser navigation asks for text/html explicitly; API clients and `fetch` do not. */
function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /(^|[,\s])text\/html(\s*[;,]|$)/i.test(accept);
}

function sendFile(request: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  reply.header('etag', file.etag).header('content-type', file.type);
  if (file.br || file.gzip) reply.header('vary', 'accept-encoding');
  const match = request.headers['if-none-match'];
  if (typeof match === 'string' && match.split(/\s*,\s*/).includes(file.etag)) return reply.code(304).send();
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (file.br && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(file.br);
  if (file.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

/**
 * The built files, read once each and kept in memory (the whole dashboard is a few hundred kilobytes). The list of
 * names is read again when a name is not known, at most every few seconds, so a rebuild while running is picked up.
 */
class DashboardFiles {
  private readonly cache = new Map<string, StaticFile>();
  private assetNames = new Set<string>();
  private rootNames = new Set<string>();
  private listedAt = 0;
  private indexFile: { file: StaticFile; mtimeMs: number } | undefined;

  constructor(private readonly distDir: string) {
    this.list();
  }

  index(): StaticFile {
    const path = join(this.distDir, 'index.html');
    const mtimeMs = statSync(path).mtimeMs;
    if (this.indexFile?.mtimeMs !== mtimeMs) this.indexFile = { file: load(path, 'index.html'), mtimeMs };
    return this.indexFile.file;
  }

  asset(name: string): StaticFile | undefined {
    return this.lookup('assets', name);
  }

  root(name: string): StaticFile | undefined {
    if (name === 'index.html') return undefined;
    return this.lookup('', name);
  }

  private lookup(folder: 'assets' | '', name: string): StaticFile | undefined {
    if (!SAFE_NAME.test(name) || name.endsWith('.br') || name.endsWith('.gz')) return undefined;
    const known = () => (folder === 'assets' ? this.assetNames : this.rootNames).has(name);
    if (!known()) {
      if (Date.now() - this.listedAt < 5_000) return undefined;
      this.list();
      if (!known()) return undefined;
    }
    const key = `${folder}/${name}`;
    let file = this.cache.get(key);
    if (file === undefined) {
      try {
        file = load(join(this.distDir, folder, name), name);
      } catch {
        return undefined;
      }
      this.cache.set(key, file);
    }
    return file;
  }

  private list(): void {
    this.listedAt = Date.now();
    this.assetNames = namesIn(join(this.distDir, 'assets'));
    this.rootNames = namesIn(this.distDir);
  }
}

function namesIn(dir: string): Set<string> {
  try {
    return new Set(
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && SAFE_NAME.test(entry.name))
        .map((entry) => entry.name),
    );
  } catch {
    return new Set();
  }
}

function load(path: string, name: string): StaticFile {
  const body = readFileSync(path);
  const extension = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  const file: StaticFile = {
    body,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    type: CONTENT_TYPES[extension] ?? 'application/octet-stream',
  };
  // Precompressed by the dashboard build (see its vite.config.ts), when the file is worth compressing.
  if (existsSync(`${path}.br`)) file.br = readFileSync(`${path}.br`);
  if (existsSync(`${path}.gz`)) file.gzip = readFileSync(`${path}.gz`);
  return file;
}
