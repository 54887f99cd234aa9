/**
 * Helpers for the dashboard's browser tests: build the dashboard when its dist is missing or older than its
 * sources, open pages in real headless Chromium with every console error and CSP violation recorded, and save
 * screenshots under test/artifacts/ (gitignored) in light and dark, desktop and phone sizes.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateTraffic } from '../../server/src/demo/traffic.js';
import { createGeoLocator } from '../../server/src/ingest/enrich/geo.js';
import { createReferrerClassifier } from '../../server/src/ingest/enrich/referrer.js';
import { createSpamReferrerList } from '../../server/src/ingest/enrich/spam.js';
import { createImportSalts, importEvents } from '../../server/src/ingest/importer.js';
import { createPipeline } from '../../server/src/ingest/pipeline.js';
import { createSaltService } from '../../server/src/jobs/salt-rotation.js';
import { bumpStatsGeneration } from '../../server/src/stats/cache.js';
import type { TestApp } from '../../server/test/support/app.js';

export const DASHBOARD_DIR = resolve(import.meta.dirname, '..');
export const DIST_DIR = join(DASHBOARD_DIR, 'dist');
export const ARTIFACTS_DIR = join(DASHBOARD_DIR, 'test/artifacts');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const index = join(DIST_DIR, 'index.html');
  const sources = Math.max(
    newestMtime(join(DASHBOARD_DIR, 'src')),
    statSync(join(DASHBOARD_DIR, 'index.html')).mtimeMs,
    statSync(join(DASHBOARD_DIR, 'vite.config.ts')).mtimeMs,
  );
  return existsSync(index) && statSync(index).mtimeMs >= sources;
}

/**
 * Builds packages/dashboard/dist with Vite unless it is already newer than every source file. Test files run in
 * parallel processes: a lock directory (mkdir is atomic) lets one build while the others wait for it.
 */
export async function ensureDashboardBuilt(): Promise<void> {
  if (isFresh()) return;
  const lock = join(DASHBOARD_DIR, '.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test process is building; a lock older than the deadline belongs to a process that died.
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (isFresh()) return;
    const { build } = await import('vite');
    await build({ root: DASHBOARD_DIR, configFile: join(DASHBOARD_DIR, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Viewport {
  name: string;
  width: number;
  height: number;
  mobile: boolean;
}

export const DESKTOP: Viewport = { name: 'desktop', width: 1280, height: 900, mobile: false };
export const PHONE: Viewport = { name: 'phone', width: 390, height: 844, mobile: true };

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  problems: string[];
}

/** A fresh context (no cookies) with a page whose errors are recorded. */
export async function openPage(
  browser: Browser,
  options: { viewport?: Viewport; colorScheme?: 'light' | 'dark'; ignore?: RegExp[] } = {},
): Promise<WatchedPage> {
  const viewport = options.viewport ?? DESKTOP;
  const context = await browser.newContext({
    viewport: { width: viewport.width, height: viewport.height },
    isMobile: viewport.mobile,
    hasTouch: viewport.mobile,
    deviceScaleFactor: 1,
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
    locale: 'en-US',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const ignored = (text: string) => (options.ignore ?? []).some((pattern) => pattern.test(text));
  page.on('console', (message) => {
    if (message.type() === 'error' && !ignored(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  return { page, context, problems };
}

/** Saves a full-page screenshot as test/artifacts/<name>-<viewport>-<scheme>.png. */
export async function screenshot(page: Page, name: string, viewport: Viewport, scheme: 'light' | 'dark') {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}-${viewport.name}-${scheme}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/**
 * Imports `days` of realistic generated traffic (the demo generator behind `sightline demo`) for a site through the
 * real ingest pipeline and import path, as an operator's import would. Returns how many events were stored.
 */
export async function seedTraffic(
  app: TestApp,
  domain: string,
  options: { days: number; visitorsPerDay: number; seed?: number },
): Promise<number> {
  const { stores, config } = { stores: app.server.stores, config: app.config };
  const pipeline = createPipeline({
    sites: stores.meta.sites,
    salts: createSaltService({ salts: stores.meta.salts, now: Date.now }),
    importSalt: createImportSalts(),
    state: stores.state,
    referrers: createReferrerClassifier(),
    spam: createSpamReferrerList(),
    geo: createGeoLocator({ countryHeader: config.countryHeader }),
    clock: Date.now,
    rateLimits: { perIpPerMinute: 0, perSitePerMinute: 0 },
  });
  const seed = options.seed ?? 7;
  const traffic = generateTraffic({
    domain,
    days: options.days,
    endMs: Date.now(),
    seed,
    visitorsPerDay: options.visitorsPerDay,
  });
  const report = await importEvents(traffic, { pipeline, store: stores.events, tokenPrefix: `seed:${domain}:${seed}` });
  // Imported history changes closed periods, whose answers the stats cache keeps: start a new cache generation.
  const site = await stores.meta.sites.findByDomain(domain);
  if (site) await bumpStatsGeneration(stores.state, site.id);
  return report.accepted;
}
