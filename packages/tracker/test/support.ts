/**
 * Helpers for driving the tracker in real headless Chromium (Debian's `chromium`, through playwright-core).
 * Shared by the tracker's own browser tests and the end-to-end tests that run against a real Sightline server.
 *
 * - `buildTrackerInto(dir)` builds the scripts (without touching packages/tracker/dist).
 * - `startPageServer({ scriptDir })` serves test pages and the built scripts on 127.0.0.1, and records what arrives
 *   at `POST /api/event` (use `data-api` in a page to send somewhere else, e.g. a real server).
 * - `launchBrowser()` starts Chromium resolving every `*.test` host to 127.0.0.1, so pages live on a real-looking
 *   host (`http://site.test:PORT/`) instead of localhost, which the tracker ignores by default.
 * - `trackerPage({ attributes, body })` writes a page carrying the tag.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildTracker, type TrackerManifest } from '../build.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The host test pages are served under; any `*.test` name resolves to 127.0.0.1 in `launchBrowser`. */
export const SITE_HOST = 'site.test';

/** One request that reached `POST /api/event`, as the browser sent it. */
export interface CapturedEvent {
  /** The parsed JSON body (the tracker's payload), or undefined when the body was not JSON. */
  body: Record<string, unknown>;
  rawBody: string;
  contentType: string;
  /** Host header the request was sent to. */
  host: string;
  receivedAt: number;
}

export interface PageServer {
  port: number;
  /** Absolute URL of `path` on `host` (default SITE_HOST), e.g. `url('/blog')` → `http://site.test:PORT/blog`. */
  url(path: string, host?: string): string;
  /** Serves `html` at `path` (any query string is ignored when matching). */
  setPage(path: string, html: string): void;
  /** Everything captured so far, oldest first. */
  readonly events: CapturedEvent[];
  /** Resolves with the captured events once `count` of them match `where`; rejects after `timeoutMs`. */
  waitForEvents(where: (event: CapturedEvent) => boolean, count?: number, timeoutMs?: number): Promise<CapturedEvent[]>;
  clear(): void;
  close(): Promise<void>;
}

export interface PageServerOptions {
  /** Folder holding the built scripts, served under `/js/`. */
  scriptDir: string;
  pages?: Record<string, string>;
}

const MAX_BODY_BYTES = 64 * 1024;

/** Starts the test HTTP server on 127.0.0.1 and a random port. */
export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const pages = new Map(Object.entries(options.pages ?? {}));
  const events: CapturedEvent[] = [];
  const waiters = new Set<() => void>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method === 'POST' && path === '/api/event') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) break;
        chunks.push(chunk);
      }
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {}
      events.push({
        body,
        rawBody,
        contentType: String(request.headers['content-type'] ?? ''),
        host: String(request.headers.host ?? ''),
        receivedAt: Date.now(),
      });
      for (const wake of waiters) wake();
      response.writeHead(202, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (request.method === 'GET' && path.startsWith('/js/') && !path.includes('..')) {
      try {
        const script = await readFile(join(options.scriptDir, path.slice(4)));
        response.writeHead(200, {
          'content-type': 'application/javascript; charset=utf-8',
          'cache-control': 'no-store',
        });
        response.end(script);
      } catch {
        response.writeHead(404).end();
      }
      return;
    }
    const html = pages.get(path);
    if (request.method === 'GET' && html !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      return;
    }
    // Downloads and outbound targets: any other path answers a small page, so navigations settle.
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<!doctype html><title>elsewhere</title>');
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    url: (path, host = SITE_HOST) => `http://${host}:${port}${path}`,
    setPage: (path, html) => pages.set(path, html),
    events,
    waitForEvents(where, count = 1, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = events.filter(where);
          if (matching.length < count) return;
          done();
          resolve(matching);
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `expected ${count} matching event(s) within ${timeoutMs} ms; captured: ${JSON.stringify(events.map((event) => event.body))}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    clear: () => {
      events.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TrackerPageOptions {
  /** Attributes of the tag; `true` writes a bare attribute. Default: data-domain and data-allow-automation. */
  attributes?: Record<string, string | true>;
  /** Script file under /js/ (default `s.js`). */
  script?: string;
  /** Origin the script is loaded from, e.g. a running Sightline's URL (default: the page's own origin). */
  scriptOrigin?: string;
  title?: string;
  head?: string;
  body?: string;
}

const escapeAttribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

/**
 * A page with the tag. Headless Chromium is an automated browser (`navigator.webdriver`), which the tracker ignores
 * unless told otherwise, so `data-allow-automation` is on unless `attributes` replaces the defaults.
 */
export function trackerPage(options: TrackerPageOptions = {}): string {
  const attributes = options.attributes ?? { 'data-domain': SITE_HOST, 'data-allow-automation': true };
  const rendered = Object.entries(attributes)
    .map(([name, value]) => (value === true ? ` ${name}` : ` ${name}="${escapeAttribute(value)}"`))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${options.title ?? 'Test page'}</title>
${options.head ?? ''}
<script defer src="${options.scriptOrigin ?? ''}/js/${options.script ?? 's.js'}"${rendered}></script>
</head><body>${options.body ?? ''}</body></html>`;
}

/** Chromium flags for quiet, reproducible runs; every `*.test` host resolves to 127.0.0.1. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP *.test 127.0.0.1',
];

/** Waits for Debian's chromium to be installed (polled every `pollMs`), then launches it. Close it when done. */
export async function launchBrowser(
  options: { waitForInstallMs?: number; pollMs?: number; backForwardCache?: boolean } = {},
): Promise<Browser> {
  const deadline = Date.now() + (options.waitForInstallMs ?? 10 * 60_000);
  while (!existsSync(CHROMIUM_PATH)) {
    if (Date.now() > deadline) throw new Error(`${CHROMIUM_PATH} is not installed (apt-get install chromium)`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 30_000));
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    // playwright turns the back/forward cache off by default; tests of restores need it on.
    ignoreDefaultArgs: options.backForwardCache ? ['--disable-back-forward-cache'] : [],
  });
}

/** Builds the tracker into a fresh temporary folder; `cleanup` removes it. */
export async function buildTrackerInto(): Promise<{
  dir: string;
  manifest: TrackerManifest;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'sightline-tracker-'));
  const manifest = await buildTracker({ outDir: dir });
  return { dir, manifest, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Headless Chromium never hides a tab, so visibility is switched the way the browser reports it to the page. */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (hidden ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Scrolls so the viewport's bottom edge is at half of the page (or top/bottom), and lets the scroll event fire. */
export async function scrollTo(page: Page, where: 'top' | 'half' | 'bottom'): Promise<void> {
  await page.evaluate(async (where) => {
    const height = document.documentElement.scrollHeight;
    window.scrollTo(0, where === 'top' ? 0 : where === 'half' ? height / 2 - innerHeight : height);
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }, where);
}

/** Resolves after `ms`; for the few waits that are about elapsed time itself (engagement). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a page that never touched storage reports; `storageTouched` returns exactly this then. */
export const UNTOUCHED_STORAGE = { cookie: '', local: 0, session: 0, databases: 0, cookies: 0, origins: 0 };

/**
 * Everything the tracker promises not to write, as the page and the browser context see it: cookies, local and
 * session storage, IndexedDB, and the context's saved state.
 */
export async function storageTouched(page: Page, context: BrowserContext): Promise<typeof UNTOUCHED_STORAGE> {
  const inPage = await page.evaluate(async () => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
    databases: (await indexedDB.databases()).length,
  }));
  const state = await context.storageState({ indexedDB: true });
  return { ...inPage, cookies: state.cookies.length, origins: state.origins.length };
}
