/**
 * Issue 6's proof, end to end in real headless Chromium against a running Sightline: first-run setup, adding a site,
 * pasting its snippet into a page and seeing the visit arrive (installation check, realtime, dashboard), filtering
 * by clicking rows, changing period and comparison, exporting CSV, a shared link opened logged out, MFA sign-in,
 * and hostile paths, event names and props shown as text without running. It prints how long the full dashboard of
 * a site with data took to render (a figure, not an assertion) and saves screenshots under test/artifacts/.
 *
 * The tests run in order and share one instance, one owner and one site, as a new user's first session would.
 *
 * Run: npx vitest run packages/dashboard/test/flows.browser.test.ts
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../server/src/auth/totp.js';
import { clientFetch, startTestApp, type TestApp } from '../../server/test/support/app.js';
import { freePort } from '../../server/test/support/server.js';
import { launchBrowser, type PageServer, SITE_HOST, startPageServer } from '../../tracker/test/support.js';
import {
  DESKTOP,
  ensureDashboardBuilt,
  openPage,
  PHONE,
  screenshot,
  seedTraffic,
  type WatchedPage,
} from './support.js';

const OWNER = { name: 'Olivia Owner', email: 'olivia@example.test', password: 'correct horse battery staple 42' };
/** Headless Chromium says "HeadlessChrome", which Sightline rightly drops as a bot; a visitor looks like Chrome. */
const VISITOR_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/155.0.0.0 Safari/537.36';
const HOSTILE_EVENT = '<img src=x onerror="window.__pwned=1">';
const HOSTILE_PROP = '<script>window.__pwned=2</script>';
const HOSTILE_PATH = '/e2e/<b onmouseover="window.__pwned=3">bold</b>';

let app: TestApp;
let pages: PageServer;
let browser: Browser;
let owner: WatchedPage;
let snippetHtml = '';

beforeAll(async () => {
  await ensureDashboardBuilt();
  // The snippet and share links carry BASE_URL, so it must be the address the browser really uses.
  const port = await freePort();
  app = await startTestApp({ PORT: String(port), BASE_URL: `http://127.0.0.1:${port}` });
  pages = await startPageServer({ scriptDir: app.config.dataDir });
  browser = await launchBrowser({ waitForInstallMs: 0 });
  owner = await openPage(browser);
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await app?.close();
});

/** The owner's session cookie, to ask the API the same questions the page asked and compare. */
async function ownerCookie(): Promise<string> {
  const cookies = await owner.context.cookies(app.url);
  return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

async function apiQuery(body: Record<string, unknown>): Promise<{ results: { metrics: number[] }[] }> {
  const response = await clientFetch(app.url, '/api/v2/query', { body, cookie: await ownerCookie() });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { results: { metrics: number[] }[] };
}

const statValue = (page: Page, label: string) =>
  page.locator('.stat', { hasText: label }).locator('.stat-value').textContent();

/** Waits until every card shows the view in the address bar; returns when (ms after navigation start) that was. */
async function waitForDashboard(page: Page): Promise<number> {
  const view = new URLSearchParams(new URL(page.url()).search).toString();
  await page.locator(`.dashboard[data-loaded="true"][data-view="${view}"]`).waitFor({ timeout: 30_000 });
  return page.evaluate(() => {
    const marks = performance.getEntriesByName('sightline:dashboard-loaded');
    return marks.at(-1)?.startTime ?? Number.NaN;
  });
}

/** A visitor in their own browser context (own cookie jar, a real-looking user agent) opening a page of site.test. */
async function visit(path: string, html: string, run?: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ userAgent: VISITOR_UA });
  const page = await context.newPage();
  pages.setPage(path, html);
  await page.goto(pages.url(path));
  await run?.(page);
  // Let the tracker's requests finish before the page goes away.
  await page.waitForLoadState('networkidle');
  await context.close();
}

/** A string literal safe inside an inline <script> (a "</script>" in it must not end the element). */
const scriptString = (value: string) => JSON.stringify(value).replace(/</g, '\\u003c');

function visitorPage(title: string, script = ''): string {
  // The snippet exactly as the dashboard shows it; headless Chromium reports navigator.webdriver, which the
  // tracker ignores unless the page opts in, as a site's own end-to-end tests would.
  const tag = snippetHtml.replace('<script ', '<script data-allow-automation ');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script>window.sightline=window.sightline||function(){(sightline.q=sightline.q||[]).push(arguments)}</script>
${tag}</head><body><h1>${title}</h1>${script}</body></html>`;
}

describe('a new instance, its first user and first site', () => {
  it('runs the first-run setup and creates the owner account', async () => {
    const { page, problems } = owner;
    await page.goto(`${app.url}/`);
    await page.getByRole('heading', { name: 'Welcome to Sightline' }).waitFor();
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner account' }).click();
    await page.getByRole('heading', { name: 'Add a site' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sites/new');
    expect(problems).toEqual([]);
  });

  it('adds a site and shows its snippet with a live installation check that turns green at the first visit', async () => {
    const { page, problems } = owner;
    await page.getByLabel('Domain').fill(`https://${SITE_HOST}/some/page`);
    await page.getByText(`Will be added as ${SITE_HOST}`).waitFor();
    await page.getByLabel('Time zone').selectOption('Europe/Berlin');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: `Install Sightline on ${SITE_HOST}` }).waitFor();
    snippetHtml = (await page.locator('.code-block code').first().textContent()) ?? '';
    expect(snippetHtml).toContain(`data-domain="${SITE_HOST}"`);
    expect(snippetHtml).toContain(`src="${app.url}/js/`);
    await page.getByText('Waiting for the first event').waitFor();
    await screenshot(page, 'add-site', DESKTOP, 'light');

    await visit('/', visitorPage('Home'));
    await visit('/pricing', visitorPage('Pricing'));
    // The check polls every 3 s; the flusher moves events to the store every 100 ms here.
    await page.getByText(/^Installed: the first event arrived/).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Go to the dashboard' }).click();
    await page.waitForURL(`${app.url}/${SITE_HOST}`);
    expect(problems).toEqual([]);
  });

  it('shows the visit in realtime, refreshing by itself', async () => {
    const { page, problems } = owner;
    await page.getByRole('link', { name: 'Realtime' }).click();
    await page.getByRole('heading', { name: 'Current pages' }).waitFor();
    await page.locator('#live-count', { hasText: /^[1-9]/ }).waitFor();
    await expect(page.locator('.bar-text', { hasText: '/pricing' }).count()).resolves.toBe(1);

    // A new visitor arrives while the page is open: the next refresh (every 10 s) shows the page they are on.
    await visit('/docs', visitorPage('Docs'));
    await page.locator('.bar-text', { hasText: '/docs' }).waitFor({ timeout: 20_000 });
    await screenshot(page, 'realtime', DESKTOP, 'light');
    expect(problems).toEqual([]);
  });

  it('renders hostile paths, event names and props as text and runs none of them', async () => {
    const markupPath = encodeURI(HOSTILE_PATH);
    await visit(
      markupPath,
      visitorPage(
        '&lt;img src=x onerror=alert(1)&gt;',
        `<script>sightline(${scriptString(HOSTILE_EVENT)}, { props: { plan: ${scriptString(HOSTILE_PROP)} } })</script>`,
      ),
    );
    const { page, problems } = owner;
    await page.goto(`${app.url}/${SITE_HOST}?period=day`);
    await waitForDashboard(page);
    const pagesCard = page.locator('section', { has: page.getByRole('heading', { name: 'Pages', exact: true }) });
    await pagesCard.getByText(HOSTILE_PATH, { exact: true }).waitFor();

    const goalsCard = page.locator('section', { has: page.getByRole('heading', { name: 'Goals & events' }) });
    await goalsCard.getByRole('tab', { name: 'Custom events' }).click();
    await goalsCard.getByText(HOSTILE_EVENT, { exact: true }).waitFor();
    await goalsCard.getByRole('tab', { name: 'Properties' }).click();
    // The site's property keys are offered to pick from (GET /api/v2/props), with how many events carry each.
    await expect(goalsCard.locator('datalist option[value="plan"]').textContent()).resolves.toBe('1 event');
    await goalsCard.getByLabel('Custom property').fill('plan');
    await goalsCard.getByRole('button', { name: 'Show' }).click();
    await goalsCard.getByText(HOSTILE_PROP, { exact: true }).waitFor();

    // Hovering the row a markup path would make "interactive" does nothing either.
    await pagesCard.getByText(HOSTILE_PATH, { exact: true }).hover();
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img[src="x"], b[onmouseover]').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('reading the dashboard', () => {
  let dashboardMs = Number.NaN;

  it('renders the full dashboard of a site with weeks of data (and prints how long that took)', async () => {
    const stored = await seedTraffic(app, SITE_HOST, { days: 45, visitorsPerDay: 150 });
    expect(stored).toBeGreaterThan(10_000);
    const { page, problems } = owner;
    await page.goto(`${app.url}/${SITE_HOST}`);
    dashboardMs = await waitForDashboard(page);
    // Again, as a returning user does (assets cached, answers fresh from the server).
    await page.reload();
    const again = await waitForDashboard(page);
    console.log(
      `Full dashboard of ${SITE_HOST} (${stored.toLocaleString('en')} imported events, last 30 days, comparison on): ` +
        `all cards loaded ${Math.round(dashboardMs)} ms after navigation start (${Math.round(again)} ms on reload)`,
    );
    const visitors = await statValue(page, 'Unique visitors');
    const body = {
      site_id: SITE_HOST,
      metrics: ['visitors'],
      date_range: '30d',
    };
    const expected = (await apiQuery(body)).results[0]!.metrics[0]!;
    expect(visitors).toBe(
      expected < 10_000
        ? new Intl.NumberFormat('en-US').format(expected)
        : new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(expected),
    );
    await expect(page.locator('.line-chart svg path.chart-line').count()).resolves.toBe(1);
    await expect(page.locator('.line-chart svg path.chart-line-comparison').count()).resolves.toBe(1);
    for (const card of ['Sources', 'Pages', 'Locations', 'Devices', 'Goals & events']) {
      await page.getByRole('heading', { name: card, exact: true }).waitFor();
    }
    for (const viewport of [DESKTOP, PHONE]) {
      for (const scheme of ['light', 'dark'] as const) {
        const shot = await openPage(browser, { viewport, colorScheme: scheme });
        await shot.context.addCookies(await owner.context.cookies(app.url));
        await shot.page.goto(`${app.url}/${SITE_HOST}`);
        await waitForDashboard(shot.page);
        await screenshot(shot.page, 'dashboard', viewport, scheme);
        await shot.page.goto(`${app.url}/`);
        await shot.page.locator('.site-card .sparkline').waitFor();
        await screenshot(shot.page, 'sites', viewport, scheme);
        const overflow = (await shot.page.evaluate(() => document.documentElement.scrollWidth)) - viewport.width;
        expect(overflow, `${viewport.name} pages must not scroll sideways`).toBeLessThanOrEqual(0);
        expect(shot.problems).toEqual([]);
        await shot.context.close();
      }
    }
    expect(problems).toEqual([]);
  });

  it('shows hover details on the chart, by pointer and by keyboard', async () => {
    const { page } = owner;
    const chart = page.locator('.line-chart');
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    const tooltip = page.locator('.chart-tooltip');
    await tooltip.waitFor();
    await expect(tooltip.textContent()).resolves.toMatch(/\d/);
    await page.mouse.move(0, 0);
    await chart.focus();
    await page.keyboard.press('End');
    await expect(tooltip.locator('.chart-tooltip-label').first().textContent()).resolves.toMatch(/\d{4}/);
  });

  it('filters the whole dashboard by clicking rows; filters combine as chips and come off one by one', async () => {
    const { page, problems } = owner;
    const before = await statValue(page, 'Unique visitors');
    await page.getByRole('button', { name: /^Filter by browser Chrome \(/ }).click();
    await page.getByRole('button', { name: 'Remove filter Browser is Chrome' }).waitFor();
    expect(new URL(page.url()).searchParams.getAll('f')).toEqual(['is,visit:browser,Chrome']);
    await waitForDashboard(page);
    const chromeOnly = await statValue(page, 'Unique visitors');
    expect(chromeOnly).not.toBe(before);

    const locations = page.locator('section', { has: page.getByRole('heading', { name: 'Locations' }) });
    await locations.getByRole('tab', { name: 'Countries' }).click();
    const firstCountry = locations.locator('.bar-row-button').first();
    const countryName = (await firstCountry.locator('.bar-text').textContent())!;
    await firstCountry.click();
    await page.getByRole('button', { name: `Remove filter Country is ${countryName}` }).waitFor();
    const filters = new URL(page.url()).searchParams.getAll('f');
    expect(filters).toHaveLength(2);
    expect(filters[1]).toMatch(/^is,visit:country,[A-Z]{2}$/);
    await waitForDashboard(page);
    const both = await statValue(page, 'Unique visitors');
    const code = filters[1]!.split(',')[2]!;
    const expected = await apiQuery({
      site_id: SITE_HOST,
      metrics: ['visitors'],
      date_range: '30d',
      filters: [
        ['is', 'visit:browser', ['Chrome']],
        ['is', 'visit:country', [code]],
      ],
    });
    expect(both).toBe(new Intl.NumberFormat('en-US').format(expected.results[0]!.metrics[0]!));

    await page.getByRole('button', { name: 'Remove filter Browser is Chrome' }).click();
    await page.waitForURL((url) => url.searchParams.getAll('f').length === 1);
    expect(new URL(page.url()).searchParams.getAll('f')[0]).toBe(`is,visit:country,${code}`);
    // Back undoes the removal: filters live in the URL.
    await page.goBack();
    await page.getByRole('button', { name: 'Remove filter Browser is Chrome' }).waitFor();
    await page.getByRole('button', { name: 'Clear all' }).click();
    await page.waitForURL((url) => url.searchParams.getAll('f').length === 0);
    expect(problems).toEqual([]);
  });

  it('changes the period and the comparison, keeps both in the URL, and restores them on reload', async () => {
    const { page, problems } = owner;
    await page.getByRole('button', { name: /Change period/ }).click();
    await page.getByRole('menuitemradio', { name: /Last 7 days/ }).click();
    await page.waitForURL((url) => url.searchParams.get('period') === '7d');
    await page.getByRole('heading', { name: /Unique visitors · Last 7 days/ }).waitFor();

    await page.getByLabel('Compare with').selectOption('year_over_year');
    await page.waitForURL((url) => url.searchParams.get('compare') === 'year_over_year');
    await waitForDashboard(page);
    await page.locator('.stat-previous', { hasText: 'vs. last year' }).first().waitFor();

    await page.getByLabel('Compare with').selectOption('off');
    await waitForDashboard(page);
    await expect(page.locator('.stat-change').count()).resolves.toBe(0);
    await expect(page.locator('path.chart-line-comparison').count()).resolves.toBe(0);

    // A custom range from the calendar: from the 1st of yesterday's month to yesterday (site time zone).
    const yesterday = await page.evaluate(() => {
      const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(Date.now() - 86_400_000);
      return parts;
    });
    const first = `${yesterday.slice(0, 8)}01`;
    await page.getByRole('button', { name: /Change period/ }).click();
    await page.getByRole('menuitemradio', { name: /Custom range/ }).click();
    await page.locator(`[data-date="${first}"]`).click();
    await page.locator(`[data-date="${yesterday}"]`).click();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('period') === 'custom');
    const url = new URL(page.url());
    expect([url.searchParams.get('from'), url.searchParams.get('to')]).toEqual([first, yesterday]);

    // Keyboard shortcut: "t" is the last 30 days.
    await page.locator('body').press('t');
    await page.waitForURL((u) => u.searchParams.get('period') === null);
    await page.goto(`${app.url}/${SITE_HOST}?period=28d&compare=previous_period&metric=pageviews`);
    await waitForDashboard(page);
    await page.getByRole('heading', { name: /Total pageviews · Last 28 days/ }).waitFor();
    await expect(page.locator('.stat[aria-pressed="true"] .stat-label').textContent()).resolves.toBe('Total pageviews');
    expect(problems).toEqual([]);
  });

  it('opens a full list with search and sort, and exports it as CSV', async () => {
    const { page, problems } = owner;
    const pagesCard = page.locator('section', { has: page.getByRole('heading', { name: 'Pages', exact: true }) });
    await pagesCard.getByRole('button', { name: /^Details/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Pages: Top pages' }).waitFor();
    await dialog.getByPlaceholder('Search page…').fill('blog');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('dialog tbody th')].map((th) => th.textContent ?? '');
      return rows.length > 0 && rows.every((text) => text.toLowerCase().includes('blog'));
    });
    await dialog.getByRole('button', { name: /^Sort by Pageviews/ }).click();
    await page.waitForFunction(() => {
      const values = [...document.querySelectorAll('dialog tbody tr')].map((tr) =>
        Number((tr.querySelectorAll('td')[1]?.textContent ?? '').replace(/\D/g, '')),
      );
      return values.length > 1 && values.every((value, i) => i === 0 || values[i - 1]! >= value);
    });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${SITE_HOST}-event_page-.*\\.csv$`));
    const csv = await readFile((await download.path())!, 'utf8');
    const [header, ...lines] = csv.trim().split('\r\n');
    expect(header).toBe('event:page,visitors,pageviews,bounce_rate,time_on_page,scroll_depth');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.toLowerCase()).toContain('blog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(problems).toEqual([]);
  });
});

describe('goals and funnels', () => {
  it('adds goals and a funnel in settings, then shows conversions and the drop-off per step', async () => {
    const { page, problems } = owner;
    await page.goto(`${app.url}/${SITE_HOST}/settings/goals`);
    await page.getByLabel('Page path').fill('/pricing');
    await page.getByRole('button', { name: 'Add goal' }).click();
    await page.getByRole('rowheader', { name: 'Visit /pricing' }).waitFor();
    await page.getByLabel('Custom event').check();
    await page.getByLabel('Event name').fill('Signup');
    await page.getByRole('button', { name: 'Add goal' }).click();
    await page.getByRole('rowheader', { name: 'Signup', exact: true }).waitFor();

    await page.getByRole('navigation', { name: 'Site settings' }).getByRole('link', { name: 'Funnels' }).click();
    await page.getByLabel('Funnel name').fill('Pricing to sign-up');
    await page.getByLabel('Step 1').selectOption('Visit /pricing');
    await page.getByLabel('Step 2').selectOption('Signup');
    await page.getByRole('button', { name: 'Create funnel' }).click();
    await page.getByText('Pricing to sign-up').first().waitFor();
    await screenshot(page, 'settings-funnels', DESKTOP, 'light');

    await page.goto(`${app.url}/${SITE_HOST}/funnels`);
    const steps = page.locator('.funnel-step');
    await steps.nth(1).waitFor();
    await expect(steps.count()).resolves.toBe(2);
    await expect(steps.nth(0).locator('.funnel-step-name').textContent()).resolves.toBe('Visit /pricing');
    await expect(page.locator('.funnel-dropoff').textContent()).resolves.toMatch(/dropped off after step 1 \(\d/);
    const reached = Number((await steps.nth(1).locator('strong').textContent())!.replace(/\D/g, ''));
    const started = Number((await steps.nth(0).locator('strong').textContent())!.replace(/\D/g, ''));
    expect(started).toBeGreaterThan(reached);
    expect(reached).toBeGreaterThan(0);
    await screenshot(page, 'funnels', DESKTOP, 'light');

    await page.goto(`${app.url}/${SITE_HOST}`);
    await waitForDashboard(page);
    const goalsCard = page.locator('section', { has: page.getByRole('heading', { name: 'Goals & events' }) });
    await goalsCard.getByRole('button', { name: /^Filter by goal Signup \(/ }).click();
    await waitForDashboard(page);
    await page.locator('.stat-label', { hasText: 'Unique conversions' }).waitFor();
    await page.locator('.stat-label', { hasText: 'Conversion rate' }).waitFor();
    expect(problems).toEqual([]);
  });
});

describe('sharing and signing in again', () => {
  it('opens a password-protected shared link logged out: read-only, no account controls', async () => {
    const { page, problems } = owner;
    await page.goto(`${app.url}/${SITE_HOST}/settings/sharing`);
    await page.getByLabel('Name', { exact: true }).fill('Agency');
    await page.getByLabel('Password (optional)').fill('share-secret-123');
    await page.getByRole('button', { name: 'Create link' }).click();
    const shareUrl = (await page.locator('.alert-success code').textContent())!;
    const path = new URL(shareUrl).pathname;
    expect(path).toMatch(/^\/share\/[^/]+$/);
    await screenshot(page, 'settings-sharing', DESKTOP, 'light');

    const visitor = await openPage(browser, { ignore: [/status of 401|status of 403/] });
    await visitor.page.goto(`${app.url}${path}`);
    await visitor.page.getByText('This dashboard is protected with a password').waitFor();
    await visitor.page.getByLabel('Password').fill('wrong password');
    await visitor.page.getByRole('button', { name: 'View dashboard' }).click();
    await visitor.page.getByRole('alert').waitFor();
    await visitor.page.getByLabel('Password').fill('share-secret-123');
    await visitor.page.getByRole('button', { name: 'View dashboard' }).click();
    await waitForDashboard(visitor.page);
    await expect(visitor.page.locator('.stat-value').first().textContent()).resolves.toMatch(/\d/);
    await expect(visitor.page.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
    await expect(visitor.page.getByRole('button', { name: /Account menu/ }).count()).resolves.toBe(0);
    await screenshot(visitor.page, 'shared', DESKTOP, 'light');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
    expect(problems).toEqual([]);
  });

  it('turns on MFA with the QR code, then signs in again with a backup code at the MFA step', async () => {
    const { page, problems } = owner;
    await page.goto(`${app.url}/account/mfa`);
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    const secret = (await page.locator('.mfa-setup .copy-row code').textContent())!.replace(/\s+/g, '');
    await page.getByLabel('Code from the app').fill(totp(base32Decode(secret)!, Date.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByRole('list', { name: 'Backup codes' }).locator('code');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    const backupCode = (await codes.first().textContent())!;
    await screenshot(page, 'account-mfa', DESKTOP, 'light');

    await page.getByRole('button', { name: /Account menu/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Sightline' }).waitFor();
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(backupCode);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('heading', { name: 'Sites' }).waitFor();
    // The list loads after the heading: wait for the row rather than look once.
    await page.getByText(SITE_HOST).first().waitFor();
    expect(problems).toEqual([]);
  });
});
