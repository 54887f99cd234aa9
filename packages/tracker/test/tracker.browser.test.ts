/**
 * The tracker in real headless Chromium: what it SENDS for each interaction, and what it must never do.
 * Pages are served by a capture server inside the test (test/support.ts) under `site.test`, a non-localhost host.
 * Run: npx vitest run packages/tracker
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTrackerInto,
  type CapturedEvent,
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

let built: Awaited<ReturnType<typeof buildTrackerInto>>;
let server: PageServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Uncaught errors of every page opened by a test: the tracker must never add one. */
let pageErrors: string[] = [];

beforeAll(async () => {
  built = await buildTrackerInto();
  server = await startPageServer({ scriptDir: built.dir });
  browser = await launchBrowser();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  // Closing a page fires pagehide, whose beacon may still be in flight: let it land before the next test starts
  // counting, or it shows up there as a stray engagement event.
  await sleep(150);
  server.clear();
  expect(pageErrors).toEqual([]);
  pageErrors = [];
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await built?.cleanup();
});

let pageCounter = 0;

/** Serves `html` at a fresh path and opens it in a fresh browser context. */
async function open(
  html: string,
  options: {
    contextOptions?: BrowserContextOptions;
    host?: string;
    beforeLoad?: (page: Page) => Promise<unknown>;
  } = {},
): Promise<{ page: Page; path: string; url: string; context: BrowserContext }> {
  const path = `/page-${++pageCounter}`;
  server.setPage(path, html);
  const context = await browser.newContext(options.contextOptions);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await options.beforeLoad?.(page);
  const url = server.url(path, options.host);
  await page.goto(url);
  return { page, path, url, context };
}

const named = (name: string) => (event: CapturedEvent) => event.body.n === name;
const pageviewsOf = (events: CapturedEvent[]) => events.filter(named('pageview')).map((event) => event.body.u);
const full = (options: TrackerPageOptions = {}) => trackerPage({ script: 's.full.js', ...options });

/**
 * For "nothing is sent" checks: loads `control` (which must send a pageview) after `subject`, so once the control's
 * pageview has arrived, anything the subject page sent would have arrived too.
 */
async function expectNothingSentBy(subjectUrlPart: string, control: () => Promise<unknown>) {
  await control();
  await server.waitForEvents(named('pageview'));
  await sleep(150);
  expect(server.events.filter((event) => String(event.body.u).includes(subjectUrlPart))).toEqual([]);
}

describe('pageviews', () => {
  it('sends url, referrer, title, screen, viewport, language and time zone as text/plain to the script origin', async () => {
    const { url: landing, page } = await open(
      trackerPage({ title: 'Landing', body: '<a id="next" href="/second">next</a>' }),
      {
        contextOptions: {
          viewport: { width: 1000, height: 700 },
          screen: { width: 1600, height: 900 },
          locale: 'de-DE',
          timezoneId: 'Europe/Berlin',
        },
      },
    );
    server.setPage('/second', trackerPage({ title: 'Second page' }));
    await server.waitForEvents(named('pageview'));
    await page.click('#next');
    const [first, second] = await server.waitForEvents(named('pageview'), 2);

    expect(first!.body).toMatchObject({
      n: 'pageview',
      u: landing,
      d: SITE_HOST,
      r: '',
      t: 'Landing',
      w: 1600,
      sh: 900,
      vw: 1000,
      vh: 700,
      l: 'de-DE',
      tz: 'Europe/Berlin',
    });
    expect(second!.body).toMatchObject({ u: server.url('/second'), r: landing, t: 'Second page' });
    // text/plain: a simple request, so a cross-origin endpoint needs no CORS preflight.
    expect(first!.contentType).toMatch(/^text\/plain/);
    expect(first!.host).toBe(`${SITE_HOST}:${server.port}`);
  });

  it('sends to data-api when set, and takes the domain from the page host when data-domain is absent', async () => {
    const api = server.url('/api/event', 'collector.test');
    await open(trackerPage({ attributes: { 'data-api': api, 'data-allow-automation': true } }));
    const [event] = await server.waitForEvents(named('pageview'));
    expect(event!.host).toBe(`collector.test:${server.port}`);
    expect(event!.body.d).toBe(SITE_HOST);
  });

  it('counts pushState, replaceState and back navigation once per new path, and not query or hash changes', async () => {
    const { page, url } = await open(trackerPage());
    await server.waitForEvents(named('pageview'));
    await page.evaluate(() => history.pushState({}, '', '/app/b'));
    await page.evaluate(() => history.pushState({}, '', '/app/b?tab=2'));
    await page.evaluate(() => history.replaceState({ scroll: 1 }, ''));
    await page.evaluate(() => {
      location.hash = 'section';
    });
    await page.evaluate(() => history.replaceState({}, '', '/app/c'));
    await page.evaluate(() => history.back());
    await server.waitForEvents(named('pageview'), 4);
    await sleep(150);
    // back from /app/c (which replaced /app/b#section) lands on /app/b?tab=2: a new path again.
    expect(pageviewsOf(server.events)).toEqual([
      url,
      server.url('/app/b'),
      server.url('/app/c'),
      server.url('/app/b?tab=2'),
    ]);
  });

  it('keeps the page’s own history errors and results', async () => {
    const { page } = await open(trackerPage());
    await server.waitForEvents(named('pageview'));
    const outcome = await page.evaluate(() => {
      try {
        history.pushState({}, '', 'https://other.example/');
        return 'no error';
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(outcome).toBe('SecurityError');
    expect(await page.evaluate(() => history.pushState({}, '', '/fine'))).toBeUndefined();
  });

  it('counts a page restored from the back/forward cache as a new pageview', async () => {
    const cachingBrowser = await launchBrowser({ backForwardCache: true });
    try {
      const path = '/bf-home';
      server.setPage(path, trackerPage({ body: '<a id="away" href="/bf-away">away</a>' }));
      const page = await cachingBrowser.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const url = server.url(path);
      await page.goto(url);
      server.setPage('/bf-away', '<!doctype html><title>away</title>');
      await server.waitForEvents(named('pageview'));
      await page.evaluate(() => ((window as unknown as { keptAlive: boolean }).keptAlive = true));
      await page.click('#away');
      await page.waitForURL(/bf-away/);
      await page.goBack({ waitUntil: 'commit' });
      const views = await server.waitForEvents(named('pageview'), 2);
      expect(views.map((event) => event.body.u)).toEqual([url, url]);
      // The same window came back (bfcache): the script did not run again, the tracker counted it on pageshow.
      expect(await page.evaluate(() => (window as unknown as { keptAlive?: boolean }).keptAlive)).toBe(true);
    } finally {
      await cachingBrowser.close();
    }
  });

  it('counts hash routes as pages with data-hash, and marks the events as hash mode', async () => {
    const { page } = await open(
      trackerPage({ attributes: { 'data-domain': SITE_HOST, 'data-allow-automation': true, 'data-hash': true } }),
    );
    await server.waitForEvents(named('pageview'));
    await page.evaluate(() => {
      location.hash = '#/settings';
    });
    const views = await server.waitForEvents(named('pageview'), 2);
    expect(views[1]!.body).toMatchObject({ u: expect.stringMatching(/#\/settings$/), h: true });
  });
});

describe('custom events', () => {
  it('sends name, props and revenue, runs the callback, and replays calls queued before the script loaded', async () => {
    const snippet = `<script>
      window.sightline = window.sightline || function () { (sightline.q = sightline.q || []).push(arguments) };
      sightline('Queued', { props: { early: 'yes' } });
    </script>`;
    const { page } = await open(trackerPage({ head: snippet }));
    await server.waitForEvents(named('Queued'));
    const calledBack = await page.evaluate(
      () =>
        new Promise((resolve) =>
          window.sightline!('Signup', {
            props: { plan: 'pro', seats: 3 },
            revenue: { amount: 29, currency: 'EUR' },
            callback: () => resolve(true),
          }),
        ),
    );
    expect(calledBack).toBe(true);
    const [signup] = await server.waitForEvents(named('Signup'));
    expect(signup!.body).toMatchObject({ p: { plan: 'pro', seats: 3 }, $: { amount: 29, currency: 'EUR' } });
    expect(server.events.map((event) => event.body.n).slice(0, 2)).toEqual(['pageview', 'Queued']);
    expect(server.events.find(named('Queued'))!.body.p).toEqual({ early: 'yes' });
  });

  it('sends interactive: false and a replacement url when asked', async () => {
    const { page } = await open(trackerPage());
    await page.evaluate(() => window.sightline!('Seen', { interactive: false, url: 'https://site.test/redacted' }));
    const [event] = await server.waitForEvents(named('Seen'));
    expect(event!.body).toMatchObject({ i: false, u: 'https://site.test/redacted' });
  });

  it('never throws into the page, even for props it cannot serialise, and still runs the callback', async () => {
    const { page } = await open(trackerPage());
    const result = await page.evaluate(() => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      let called = false;
      window.sightline!('Broken', { props: circular, callback: () => (called = true) });
      window.sightline!('Also fine', {
        callback: () => {
          throw new Error('a failing callback');
        },
      });
      return called;
    });
    expect(result).toBe(true);
  });

  it('sends a 404 event from sightline("404") in the default script and from data-404 in the full one', async () => {
    const { page } = await open(trackerPage());
    await page.evaluate(() => window.sightline!('404'));
    await server.waitForEvents(named('404'));
    server.clear();
    const { url } = await open(
      full({ attributes: { 'data-domain': SITE_HOST, 'data-allow-automation': true, 'data-404': true } }),
    );
    const [event] = await server.waitForEvents(named('404'));
    expect(event!.body.u).toBe(url);
    await server.waitForEvents(named('pageview'));
  });
});

describe('interactions (full script)', () => {
  it('sends data-sl-event clicks with their data-sl-prop-* props, on the element or inside it', async () => {
    const { page } = await open(
      full({
        body: '<button id="b" data-sl-event="Signup" data-sl-prop-plan="pro" data-sl-prop-Source="hero"><span id="inner">Go</span></button>',
      }),
    );
    await page.click('#inner');
    const [event] = await server.waitForEvents(named('Signup'));
    expect(event!.body.p).toEqual({ plan: 'pro', source: 'hero' });
  });

  it('sends outbound link clicks (middle clicks too) without the query string', async () => {
    const target = server.url('/landing?token=secret#top', 'elsewhere.test');
    const { page } = await open(full({ body: `<a id="out" href="${target}">out</a><a id="in" href="/local">in</a>` }));
    await page.click('#out', { button: 'middle' });
    await page.click('#in');
    await page.goBack();
    await page.click('#out');
    const clicks = await server.waitForEvents(named('Outbound Link: Click'), 2);
    expect(clicks.map((event) => event.body.p)).toEqual([
      { url: server.url('/landing', 'elsewhere.test') },
      { url: server.url('/landing', 'elsewhere.test') },
    ]);
  });

  it('sends file downloads by extension, by the download attribute and by data-file-types', async () => {
    const { page } = await open(
      full({
        attributes: { 'data-domain': SITE_HOST, 'data-allow-automation': true, 'data-file-types': 'psd,sketch' },
        body: `<a id="pdf" href="/files/Report.PDF?sig=abc" target="_blank">pdf</a>
          <a id="psd" href="/files/art.psd" target="_blank">psd</a>
          <a id="attr" href="/export" download>export</a>
          <a id="page" href="/about.html" target="_blank">about</a>`,
      }),
    );
    for (const id of ['pdf', 'psd', 'attr', 'page']) await page.click(`#${id}`);
    const downloads = await server.waitForEvents(named('File Download'), 3);
    await sleep(150);
    expect(server.events.filter(named('File Download')).map((event) => event.body.p)).toEqual([
      { url: server.url('/files/Report.PDF') },
      { url: server.url('/files/art.psd') },
      { url: server.url('/export') },
    ]);
    expect(downloads).toHaveLength(3);
  });

  it('sends form submissions, named by data-sl-event or as "Form: Submission" with the form id', async () => {
    const { page } = await open(
      full({
        body: `<form id="newsletter" action="/thanks"><input name="email" value="a@b.c"><button id="send">Send</button></form>
          <form id="tagged" data-sl-event="Contact" data-sl-prop-topic="sales" action="/thanks"><button id="contact">Send</button></form>`,
      }),
    );
    server.setPage('/thanks', trackerPage());
    await page.click('#send');
    const [submission] = await server.waitForEvents(named('Form: Submission'));
    expect(submission!.body.p).toEqual({ form: 'newsletter' });
    // The submitted email never leaves in the event.
    expect(submission!.rawBody).not.toContain('a@b.c');
    await page.goBack();
    await page.click('#contact');
    const [contact] = await server.waitForEvents(named('Contact'));
    expect(contact!.body.p).toEqual({ topic: 'sales' });
  });

  it('leaves clicks alone in the default script', async () => {
    const { page } = await open(
      trackerPage({ body: `<a id="out" href="${server.url('/x', 'elsewhere.test')}" target="_blank">out</a>` }),
    );
    await page.click('#out');
    await page.evaluate(() => window.sightline!('Marker'));
    await server.waitForEvents(named('Marker'));
    expect(server.events.map((event) => event.body.n)).toEqual(['pageview', 'Marker']);
  });
});

describe('engagement', () => {
  const longPage = '<div style="height: 4000px">long</div>';

  it('reports visible time, deepest scroll and visibility changes when the tab is hidden, then only what is new', async () => {
    const openedAt = Date.now();
    const { page, url } = await open(trackerPage({ body: longPage }));
    await server.waitForEvents(named('pageview'));
    await sleep(1_100);
    await page.mouse.move(10, 10);
    await scrollTo(page, 'half');
    await scrollTo(page, 'top');
    await setHidden(page, true);
    const ofThisPage = (event: CapturedEvent) => event.body.n === 'engagement' && event.body.u === url;
    const [first] = await server.waitForEvents(ofThisPage);
    const elapsed = Date.now() - openedAt;
    expect(first!.body).toMatchObject({ u: url, sd: 50, vc: 1 });
    expect(first!.body.e).toBeGreaterThanOrEqual(1_000);
    expect(first!.body.e).toBeLessThanOrEqual(elapsed);

    // Hidden time never counts; a second report carries only the new visible time and changes.
    await sleep(600);
    await setHidden(page, false);
    await sleep(300);
    await scrollTo(page, 'bottom');
    await setHidden(page, true);
    const [, second] = await server.waitForEvents(ofThisPage, 2);
    expect(second!.body).toMatchObject({ u: url, sd: 100, vc: 2 });
    expect(second!.body.e).toBeGreaterThanOrEqual(250);
    expect(second!.body.e).toBeLessThan(600);
  });

  it('reports engagement of the previous page before an SPA pageview, and on pagehide', async () => {
    const { page, url } = await open(trackerPage({ body: longPage }));
    await server.waitForEvents(named('pageview'));
    await sleep(200);
    await page.evaluate(() => history.pushState({}, '', '/spa/next'));
    await server.waitForEvents(named('pageview'), 2);
    const names = server.events.map((event) => [event.body.n, event.body.u]);
    expect(names).toEqual([
      ['pageview', url],
      ['engagement', url],
      ['pageview', server.url('/spa/next')],
    ]);
    await sleep(200);
    await page.close({ runBeforeUnload: true });
    const [, last] = await server.waitForEvents(named('engagement'), 2);
    expect(last!.body.u).toBe(server.url('/spa/next'));
    expect(last!.body.e).toBeGreaterThan(0);
  });

  it('stops counting after 15 s without input', async () => {
    const { page } = await open(trackerPage({ body: longPage }), { beforeLoad: (page) => page.clock.install() });
    await server.waitForEvents(named('pageview'));
    await page.clock.fastForward(60_000);
    await setHidden(page, true);
    const [idle] = await server.waitForEvents(named('engagement'));
    expect(idle!.body.e).toBeGreaterThanOrEqual(15_000);
    expect(idle!.body.e).toBeLessThan(16_000);

    // Input every 10 s keeps the visitor engaged: 40 s of reading with four inputs count in full.
    await setHidden(page, false);
    for (let i = 0; i < 4; i++) {
      await page.clock.fastForward(10_000);
      await page.mouse.move(20 + i, 20);
    }
    await setHidden(page, true);
    const [, active] = await server.waitForEvents(named('engagement'), 2);
    expect(active!.body.e).toBeGreaterThanOrEqual(40_000);
    expect(active!.body.e).toBeLessThan(41_000);
  });
});

describe('transport', () => {
  it('falls back to fetch keepalive when sendBeacon refuses', async () => {
    await open(trackerPage(), {
      beforeLoad: (page) => page.addInitScript(() => (navigator.sendBeacon = () => false)),
    });
    const [event] = await server.waitForEvents(named('pageview'));
    expect(event!.contentType).toMatch(/^text\/plain/);
  });
});

describe('privacy', () => {
  it('sets no cookie and writes no storage', async () => {
    const { page, context } = await open(
      full({ body: '<button data-sl-event="Click" id="b">b</button><div style="height:3000px"></div>' }),
    );
    await page.click('#b');
    await page.evaluate(() => history.pushState({}, '', '/other'));
    await page.evaluate(() => window.scrollTo(0, 2000));
    await setHidden(page, true);
    await server.waitForEvents(named('engagement'));
    expect(await storageTouched(page, context)).toEqual(UNTOUCHED_STORAGE);
  });

  it('sends nothing from localhost or 127.0.0.1 unless data-allow-localhost is set', async () => {
    await open(trackerPage(), { host: 'localhost' });
    await open(trackerPage(), { host: '127.0.0.1' });
    const { url: allowed } = await open(
      trackerPage({ attributes: { 'data-allow-automation': true, 'data-allow-localhost': true } }),
      { host: '127.0.0.1' },
    );
    await server.waitForEvents(named('pageview'));
    await sleep(150);
    expect(pageviewsOf(server.events)).toEqual([allowed]);
  });

  it('sends nothing from a file: URL unless data-allow-localhost is set', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const fileUrl = `file://${built.dir}/local-page.html`;
    await writeFile(
      join(built.dir, 'local-page.html'),
      `<!doctype html><script defer src="${server.url('/js/s.js')}" data-domain="site.test" data-allow-automation></script>`,
    );
    await page.goto(fileUrl);
    await expectNothingSentBy('file:', () => open(trackerPage()));
  });

  it('sends nothing from an automated browser unless data-allow-automation is set', async () => {
    const { url } = await open(trackerPage({ attributes: { 'data-domain': SITE_HOST } }));
    await expectNothingSentBy(url, () => open(trackerPage()));
  });

  it('honours Global Privacy Control only with data-respect-gpc', async () => {
    const withGpc = (page: Page) =>
      page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const { url } = await open(
      trackerPage({ attributes: { 'data-allow-automation': true, 'data-respect-gpc': true } }),
      {
        beforeLoad: withGpc,
      },
    );
    await expectNothingSentBy(url, () => open(trackerPage(), { beforeLoad: withGpc }));
  });

  it('honours the opt-out switch, set before the tag or at any time later, and still runs callbacks', async () => {
    const { url } = await open(trackerPage({ head: '<script>window.sightline_ignore = true</script>' }));
    await expectNothingSentBy(url, () => open(trackerPage()));
    server.clear();
    const { page } = await open(trackerPage());
    await server.waitForEvents(named('pageview'));
    const calledBack = await page.evaluate(() => {
      window.sightline_ignore = true;
      return new Promise((resolve) => window.sightline!('After opt-out', { callback: () => resolve(true) }));
    });
    expect(calledBack).toBe(true);
    await page.evaluate(() => history.pushState({}, '', '/after'));
    await sleep(200);
    expect(server.events.map((event) => event.body.n)).toEqual(['pageview']);
  });
});

declare global {
  interface Window {
    sightline?: (name: string, options?: Record<string, unknown>) => void;
    sightline_ignore?: unknown;
  }
}
