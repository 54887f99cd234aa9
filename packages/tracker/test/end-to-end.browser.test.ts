/**
 * End to end: real headless Chromium → the tracker served by a running Sightline → what Sightline STORED.
 * Issue 3's proof. The other browser test checks what the script sends; this one reads the event table back, so it
 * fails when the server drops, misparses or mis-enriches anything the script sends. It also drives Plausible's own
 * npm tracker against Sightline (the server must accept what Plausible's official script sends).
 *
 * One Sightline per file: chDB allows a single data directory per process. Every test uses its own path prefix and
 * its own browser user agent, so rows (and visitors, and sessions) never mix between tests.
 *
 * Run: npx vitest run packages/tracker/test/end-to-end.browser.test.ts
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/index.js';
import type { Site } from '../../server/src/domain/site.js';
import { trackerDistDir } from '../../server/src/ingest/tracker-routes.js';
import { createLogger } from '../../server/src/logging.js';
import { type RunningServer, startServer } from '../../server/src/main.js';
import { buildTracker } from '../build.mjs';
import {
  launchBrowser,
  type PageServer,
  SITE_HOST,
  scrollTo,
  setHidden,
  sleep,
  startPageServer,
  storageTouched,
  type TrackerPageOptions,
  trackerPage,
  UNTOUCHED_STORAGE,
} from './support.js';

/** Where Plausible's npm tracker is installed, or undefined when the package is absent (its tests are skipped). */
const PLAUSIBLE_DIR = (() => {
  try {
    return dirname(createRequire(import.meta.url).resolve('@plausible-analytics/tracker'));
  } catch {
    return undefined;
  }
})();
const PLAUSIBLE_HOST = 'plausible.test';

let dataDir: string;
let server: RunningServer;
let pages: PageServer;
let browser: Browser;
let chromeMajor: string;
let site: Site;
let plausibleSite: Site;
const contexts: BrowserContext[] = [];
/** Uncaught errors of every page opened by a test: neither tracker may add one. */
let pageErrors: string[] = [];

beforeAll(async () => {
  // The server serves packages/tracker/dist; build it when a fresh checkout has not yet.
  const dist = trackerDistDir();
  if (!existsSync(join(dist, 's.js')) || !existsSync(join(dist, 's.full.js'))) await buildTracker({ outDir: dist });

  dataDir = await mkdtemp(join(tmpdir(), 'sightline-e2e-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    FLUSH_INTERVAL_MS: '100',
  });
  server = await startServer(config, createLogger({ level: 'silent', secrets: config.secrets }));
  site = await server.stores.meta.sites.create({ domain: SITE_HOST, timezone: 'Europe/Berlin' });
  plausibleSite = await server.stores.meta.sites.create({ domain: PLAUSIBLE_HOST, timezone: 'UTC' });

  // Test pages only; the scripts come from Sightline. `/js/` of the page server is Plausible's package folder.
  pages = await startPageServer({ scriptDir: PLAUSIBLE_DIR ?? dataDir });
  browser = await launchBrowser({ waitForInstallMs: 0 });
  chromeMajor = browser.version().split('.')[0] ?? '130';
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  expect(pageErrors).toEqual([]);
  pageErrors = [];
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

let visitorCounter = 0;

/**
 * A fresh browser context that looks like a distinct desktop Chrome visitor. Headless Chromium says "HeadlessChrome"
 * in its user agent, and Sightline rightly drops that as a bot; the build number differs per context so each test is
 * its own visitor (the visitor id hashes IP and user agent, and every request here comes from 127.0.0.1).
 */
async function newVisitor(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chromeMajor}.0.${++visitorCounter}.0 Safari/537.36`;
  const context = await browser.newContext({ userAgent, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page };
}

/**
 * A page carrying Sightline's tag as a site owner writes it, loaded from the running server; events go to the
 * script's origin by default (another origin than the page's).
 */
function sightlinePage(options: TrackerPageOptions = {}): string {
  return trackerPage({
    scriptOrigin: server.url,
    ...options,
    attributes: {
      'data-domain': SITE_HOST,
      'data-allow-automation': true,
      ...options.attributes,
    },
  });
}

/** Stored columns the assertions read; 64-bit integers arrive as strings. */
interface StoredEvent {
  site_id: number;
  name: string;
  session_id: string;
  visitor_id: string;
  hostname: string;
  pathname: string;
  query: string;
  title: string;
  referrer: string;
  referrer_domain: string;
  referrer_source: string;
  channel: string;
  browser: string;
  os: string;
  device: string;
  screen_w: number;
  screen_h: number;
  viewport_w: number;
  viewport_h: number;
  language: string;
  timezone: string;
  engagement_ms: number | string;
  scroll_depth: number;
  visibility_changes: number;
  interactive: number;
  props: Record<string, string>;
  revenue_amount: string | null;
  revenue_currency: string;
  source: string;
}

/**
 * Rows of `siteId` whose pathname starts with `prefix`, oldest first, polled until `atLeast` have been stored
 * (the flusher moves accepted events into the table every 100 ms here) or `timeoutMs` passed.
 */
async function storedEvents(
  prefix: string,
  {
    siteId = site.id,
    atLeast = 1,
    timeoutMs = 3_000,
    name,
    until,
  }: {
    siteId?: number;
    atLeast?: number;
    timeoutMs?: number;
    name?: string;
    /** Wait until this holds instead of counting rows. */
    until?: (rows: StoredEvent[]) => boolean;
  } = {},
): Promise<StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await server.stores.events.query<StoredEvent>(
      `SELECT * FROM ${server.stores.events.eventsTable}
       WHERE site_id = {site:UInt32} AND startsWith(pathname, {prefix:String})
       ORDER BY ts, name`,
      { site: String(siteId), prefix },
    );
    // `name` counts only that kind: engagement reports for the same path may land before the event waited for.
    const counted = name === undefined ? rows : rows.filter((row) => row.name === name);
    const done = until === undefined ? counted.length >= atLeast : until(rows);
    if (done || Date.now() > deadline) return rows.map(normalise);
    await sleep(50);
  }
}

/** The event store may return the props Map as a Map or an object; the assertions compare plain objects. */
function normalise(row: StoredEvent): StoredEvent {
  const props = row.props as unknown;
  return { ...row, props: props instanceof Map ? Object.fromEntries(props) : (row.props ?? {}) };
}

const named = (rows: StoredEvent[], name: string) => rows.filter((row) => row.name === name);

describe('Sightline tracker against a running Sightline: what is stored', () => {
  it('stores a pageview with path, host, title, referrer source, screen, viewport, language, time zone and browser', async () => {
    const { page } = await newVisitor({
      viewport: { width: 1000, height: 700 },
      screen: { width: 1600, height: 900 },
      locale: 'de-DE',
      timezoneId: 'Europe/Berlin',
    });
    // The visitor arrives from a page on another site, so the referrer is real, not injected.
    pages.setPage(
      '/e2e/blog',
      `<!doctype html><title>Blog</title><a id="to-site" href="${pages.url('/e2e/landing?ref=blog')}">Sightline</a>`,
    );
    // Markup in the title is text (a <title> holds no elements) and must be stored exactly as the page shows it.
    pages.setPage('/e2e/landing', sightlinePage({ title: 'Pricing <b>&amp; plans</b>' }));
    await page.goto(pages.url('/e2e/blog', 'blog.test'));
    await page.click('#to-site');

    const [row, ...others] = await storedEvents('/e2e/landing');
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      name: 'pageview',
      hostname: SITE_HOST,
      pathname: '/e2e/landing',
      query: 'ref=blog',
      // `ref` is a source tag, as in Plausible.
      utm_source: 'blog',
      title: 'Pricing <b>& plans</b>',
      referrer_domain: 'blog.test',
      referrer_source: 'blog.test',
      channel: 'Referral',
      screen_w: 1600,
      screen_h: 900,
      viewport_w: 1000,
      viewport_h: 700,
      language: 'de-DE',
      timezone: 'Europe/Berlin',
      browser: 'Chrome',
      os: 'Linux',
      device: 'desktop',
      interactive: 1,
      source: 'web',
    });
    expect(row!.referrer).toMatch(/^http:\/\/blog\.test:\d+\//);
    expect(row!.session_id).toMatch(/^\d+$/);
  });

  it('stores pushState navigations and data-hash routes as separate pageviews with their own paths', async () => {
    const { page } = await newVisitor();
    // An explicit endpoint, as a first-party proxy setup would have.
    pages.setPage('/e2e/spa', sightlinePage({ attributes: { 'data-api': `${server.url}/api/event` } }));
    await page.goto(pages.url('/e2e/spa'));
    await storedEvents('/e2e/spa');
    await page.evaluate(() => history.pushState({}, '', '/e2e/spa/settings'));
    // A query-only change is the same page: no second count.
    await page.evaluate(() => history.pushState({}, '', '/e2e/spa/settings?tab=2'));
    await page.evaluate(() => history.pushState({}, '', '/e2e/spa/billing'));
    const spa = await storedEvents('/e2e/spa', { atLeast: 3, name: 'pageview' });
    await sleep(300);
    expect(named(await storedEvents('/e2e/spa'), 'pageview').map((row) => row.pathname)).toEqual([
      '/e2e/spa',
      '/e2e/spa/settings',
      '/e2e/spa/billing',
    ]);
    // One visit: every SPA pageview belongs to the first one's session.
    expect(new Set(named(spa, 'pageview').map((row) => row.session_id)).size).toBe(1);

    pages.setPage('/e2e/hash', sightlinePage({ attributes: { 'data-hash': true } }));
    await page.goto(pages.url('/e2e/hash'));
    await storedEvents('/e2e/hash');
    await page.evaluate(() => {
      location.hash = '#/settings';
    });
    const hashRows = named(await storedEvents('/e2e/hash', { atLeast: 2, name: 'pageview' }), 'pageview');
    expect(hashRows.map((row) => row.pathname)).toEqual(['/e2e/hash', '/e2e/hash#/settings']);
  });

  it('stores a custom event with props and revenue, and markup in a prop as plain text', async () => {
    const { page } = await newVisitor();
    // A call made before the script loaded is queued and replayed after the pageview.
    const queue = `<script>
      window.sightline = window.sightline || function () { (sightline.q = sightline.q || []).push(arguments) };
      sightline('Queued', { props: { early: 'yes' } });
    </script>`;
    pages.setPage('/e2e/checkout', sightlinePage({ head: queue }));
    await page.goto(pages.url('/e2e/checkout'));
    await storedEvents('/e2e/checkout', { atLeast: 2 });
    await page.evaluate(() =>
      window.sightline!('Purchase', {
        props: { plan: 'pro', seats: 3, annual: true, note: '<img src=x onerror="alert(1)">' },
        revenue: { amount: 29.9, currency: 'EUR' },
      }),
    );
    const rows = await storedEvents('/e2e/checkout', { atLeast: 3 });
    expect(rows.map((row) => row.name).sort()).toEqual(['Purchase', 'Queued', 'pageview']);
    const purchase = named(rows, 'Purchase')[0]!;
    expect(purchase).toMatchObject({
      pathname: '/e2e/checkout',
      props: { plan: 'pro', seats: '3', annual: 'true', note: '<img src=x onerror="alert(1)">' },
      revenue_currency: 'EUR',
      interactive: 1,
    });
    expect(Number(purchase.revenue_amount)).toBeCloseTo(29.9);
    expect(named(rows, 'Queued')[0]!.props).toEqual({ early: 'yes' });
    // Pageviews carry no revenue.
    expect(named(rows, 'pageview')[0]!.revenue_amount).toBeNull();
  });

  it('stores element-attribute events, outbound clicks, file downloads and form submissions (full script)', async () => {
    const { page } = await newVisitor();
    const outbound = pages.url('/landing?token=secret', 'elsewhere.test');
    pages.setPage(
      '/e2e/links',
      sightlinePage({
        script: 's.full.js',
        body: `<button id="signup" data-sl-event="Signup" data-sl-prop-plan="pro">Sign up</button>
          <a id="out" href="${outbound}">partner</a>
          <a id="pdf" href="/e2e/files/report.pdf?sig=abc" target="_blank">report</a>
          <form id="newsletter" method="post" action="/e2e/links/thanks"><input name="email" value="a@b.example"><button id="send">Send</button></form>`,
      }),
    );
    await page.goto(pages.url('/e2e/links'));
    await storedEvents('/e2e/links');
    await page.click('#signup');
    await page.click('#out', { button: 'middle' });
    await page.click('#pdf');
    await page.click('#send');
    const expected = ['pageview', 'Signup', 'Outbound Link: Click', 'File Download', 'Form: Submission'];
    // Leaving the page also reports engagement, which may land first: wait for each expected event by name.
    const rows = await storedEvents('/e2e/links', {
      until: (stored) => expected.every((name) => stored.some((row) => row.name === name)),
    });

    const byName = (name: string) => named(rows, name).map((row) => [row.pathname, row.props]);
    expect(byName('Signup')).toEqual([['/e2e/links', { plan: 'pro' }]]);
    // Origin and path only: the query of an outbound or signed link may carry secrets.
    expect(byName('Outbound Link: Click')).toEqual([['/e2e/links', { url: pages.url('/landing', 'elsewhere.test') }]]);
    expect(byName('File Download')).toEqual([['/e2e/links', { url: pages.url('/e2e/files/report.pdf') }]]);
    expect(byName('Form: Submission')).toEqual([['/e2e/links', { form: 'newsletter' }]]);
    expect(byName('pageview').map(([pathname]) => pathname)).toEqual(['/e2e/links']);
    // The submission left the page (a POST navigation) and its event was still stored; field values are never
    // read, so the submitted address is nowhere in what was stored.
    expect(JSON.stringify(rows)).not.toContain('a@b.example');
  });

  it('stores a 404 event for a page tagged data-404', async () => {
    const { page } = await newVisitor();
    pages.setPage('/e2e/missing', sightlinePage({ script: 's.full.js', attributes: { 'data-404': true } }));
    await page.goto(pages.url('/e2e/missing'));
    const rows = await storedEvents('/e2e/missing', { atLeast: 2 });
    expect(rows.map((row) => [row.name, row.pathname]).sort()).toEqual([
      ['404', '/e2e/missing'],
      ['pageview', '/e2e/missing'],
    ]);
  });

  it('stores engagement with visible time and scroll depth in its pageview’s session, and keeps no cookie or storage', async () => {
    const { page, context } = await newVisitor({ viewport: { width: 1000, height: 700 } });
    pages.setPage('/e2e/article', sightlinePage({ body: '<div style="height: 4000px">long read</div>' }));
    const openedAt = Date.now();
    await page.goto(pages.url('/e2e/article'));
    await storedEvents('/e2e/article');
    await sleep(1_100);
    await page.mouse.move(10, 10);
    await scrollTo(page, 'half');
    await setHidden(page, true);
    const rows = await storedEvents('/e2e/article', { atLeast: 2 });
    const elapsed = Date.now() - openedAt;

    const [pageview] = named(rows, 'pageview');
    const [engagement] = named(rows, 'engagement');
    expect(engagement).toMatchObject({
      pathname: '/e2e/article',
      scroll_depth: 50,
      visibility_changes: 1,
      interactive: 0,
    });
    expect(Number(engagement!.engagement_ms)).toBeGreaterThanOrEqual(1_000);
    expect(Number(engagement!.engagement_ms)).toBeLessThanOrEqual(elapsed);
    expect(engagement!.session_id).toBe(pageview!.session_id);
    expect(engagement!.visitor_id).toBe(pageview!.visitor_id);

    expect(await storageTouched(page, context)).toEqual(UNTOUCHED_STORAGE);
  });

  it('stores nothing from a localhost page unless data-allow-localhost is set', async () => {
    const { page } = await newVisitor();
    pages.setPage('/e2e/local-ignored', sightlinePage());
    pages.setPage('/e2e/local-allowed', sightlinePage({ attributes: { 'data-allow-localhost': true } }));
    await page.goto(pages.url('/e2e/local-ignored', 'localhost'));
    await page.goto(pages.url('/e2e/local-allowed', 'localhost'));
    // Once the later page's pageview is stored, anything the earlier one sent would have been stored too.
    expect(named(await storedEvents('/e2e/local-allowed'), 'pageview')).toHaveLength(1);
    await sleep(200);
    expect(await storedEvents('/e2e/local-ignored', { timeoutMs: 0 })).toEqual([]);
  });
});

describe.skipIf(PLAUSIBLE_DIR === undefined)("Plausible's official npm tracker against Sightline", () => {
  it('stores its pageviews, SPA navigation, custom event with props and revenue, and engagement', async () => {
    const { page } = await newVisitor({ viewport: { width: 1000, height: 700 } });
    // As a site bundles it: the package's ES module, initialised with Sightline as the endpoint. Its automation
    // check lets `window.__plausible` through (Plausible's own tests use it).
    pages.setPage(
      '/e2e/plausible',
      `<!doctype html><html><head><title>Plausible page</title>
      <script type="module">
        import { init, track } from '/js/plausible.js';
        window.__plausible = true;
        init({ domain: '${PLAUSIBLE_HOST}', endpoint: '${server.url}/api/event', logging: false });
        window.plausibleTrack = track;
      </script></head><body><div style="height: 4000px">long read</div></body></html>`,
    );
    await page.goto(pages.url('/e2e/plausible', PLAUSIBLE_HOST));
    await storedEvents('/e2e/plausible', { siteId: plausibleSite.id });
    const status = await page.evaluate(
      () =>
        new Promise((resolve) =>
          window.plausibleTrack!('Purchase', {
            props: { plan: 'startup', note: '<b>bold</b>' },
            revenue: { amount: 15.99, currency: 'USD' },
            callback: (result?: { status?: number }) => resolve(result?.status),
          }),
        ),
    );
    expect(status).toBe(202);
    await page.evaluate(() => history.pushState({}, '', '/e2e/plausible/next'));
    await storedEvents('/e2e/plausible/next', { siteId: plausibleSite.id });
    await scrollTo(page, 'half');
    await setHidden(page, true);

    const rows = await storedEvents('/e2e/plausible', { siteId: plausibleSite.id, atLeast: 5 });
    expect(named(rows, 'pageview').map((row) => [row.hostname, row.pathname])).toEqual([
      [PLAUSIBLE_HOST, '/e2e/plausible'],
      [PLAUSIBLE_HOST, '/e2e/plausible/next'],
    ]);
    const [purchase] = named(rows, 'Purchase');
    expect(purchase).toMatchObject({
      pathname: '/e2e/plausible',
      props: { plan: 'startup', note: '<b>bold</b>' },
      revenue_currency: 'USD',
      browser: 'Chrome',
      device: 'desktop',
    });
    expect(Number(purchase!.revenue_amount)).toBeCloseTo(15.99);
    // Plausible reports engagement for the page it leaves on SPA navigation, and again when the tab is hidden.
    const engagement = named(rows, 'engagement');
    expect(engagement.map((row) => row.pathname)).toEqual(['/e2e/plausible', '/e2e/plausible/next']);
    expect(engagement.at(-1)!.scroll_depth).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.session_id)).size).toBe(1);
  });
});

declare global {
  interface Window {
    sightline?: (name: string, options?: Record<string, unknown>) => void;
    plausibleTrack?: (name: string, options?: Record<string, unknown>) => void;
  }
}
