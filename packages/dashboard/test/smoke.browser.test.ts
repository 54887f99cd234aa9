/**
 * The dashboard as a fresh instance serves it: the built app at /, under a strict CSP, loading in real headless
 * Chromium without a single console error or CSP violation, and leading a first visitor to the first-run setup.
 *
 * Run: npx vitest run packages/dashboard/test/smoke.browser.test.ts
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../server/test/support/app.js';
import { launchBrowser } from '../../tracker/test/support.js';
import { DESKTOP, ensureDashboardBuilt, openPage, PHONE, screenshot } from './support.js';

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  app = await startTestApp();
  browser = await launchBrowser({ waitForInstallMs: 0 });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('serving the dashboard', () => {
  it('answers / with the app under a strict CSP that allows nothing inline', async () => {
    const response = await fetch(`${app.url}/`, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const body = await response.text();
    expect(body).toContain('<div id="root"></div>');
    // No inline script or style: every <script> has a src, and there is no <style> element.
    expect(body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(body).not.toMatch(/<style/);
  });

  it('serves every page of the app (SPA fallback) but keeps JSON 404s for the API and non-HTML requests', async () => {
    for (const path of ['/login', '/example.com', '/example.com/settings/goals', '/account/mfa']) {
      const response = await fetch(`${app.url}${path}?period=7d`, { headers: html });
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toContain('<div id="root"></div>');
    }
    const api = await fetch(`${app.url}/api/no-such-thing`, { headers: html });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/json/);
    const notHtml = await fetch(`${app.url}/example.com`, { headers: { accept: 'application/json' } });
    expect(notHtml.status).toBe(404);
    const operator = await fetch(`${app.url}/metrics/extra`, { headers: html });
    expect(operator.status).toBe(404);
    const tracker = await fetch(`${app.url}/js/s.js`, { headers: html });
    expect(tracker.headers.get('content-type')).toMatch(/javascript/);
  });

  it('lets shared dashboards be embedded, and nothing else', async () => {
    const response = await fetch(`${app.url}/share/example.com`, { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('serves hashed assets precompressed with a year of immutable caching, and revalidates index.html', async () => {
    const index = await (await fetch(`${app.url}/`, { headers: html })).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${app.url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect((await asset.text()).length).toBeGreaterThan(1000);
    const missing = await fetch(`${app.url}/assets/nope-123.js`);
    expect(missing.status).toBe(404);
    const traversal = await fetch(`${app.url}/assets/..%2f..%2fpackage.json`);
    expect(traversal.status).toBe(404);

    const first = await fetch(`${app.url}/`, { headers: html });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${app.url}/`, { headers: { ...html, 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });
});

describe('in a browser', () => {
  it('loads without console errors and shows the first-run setup on a fresh instance', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      for (const scheme of ['light', 'dark'] as const) {
        const { page, context, problems } = await openPage(browser, { viewport, colorScheme: scheme });
        await page.goto(`${app.url}/`);
        await page.getByRole('heading', { name: 'Welcome to Sightline' }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/setup');
        await expect(page.getByLabel('Email')).toBeDefined();
        // The theme follows the system's colour scheme.
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(background).toBe(scheme === 'dark' ? 'rgb(14, 17, 24)' : 'rgb(246, 247, 251)');
        await screenshot(page, 'setup', viewport, scheme);
        expect(problems).toEqual([]);
        await context.close();
      }
    }
  });

  it('switches theme with the toggle and remembers the choice on this device', async () => {
    const { page, context, problems } = await openPage(browser, { colorScheme: 'light' });
    await page.goto(`${app.url}/setup`);
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    const dark = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await expect(dark()).resolves.toBe('rgb(14, 17, 24)');
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
    await expect(dark()).resolves.toBe('rgb(14, 17, 24)');
    // The only thing kept in storage is that choice: no token, no session.
    const stored = await page.evaluate(() => Object.keys(localStorage));
    expect(stored).toEqual(['sightline-theme']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is usable from the keyboard with a visible focus ring', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${app.url}/setup`);
    await page.getByRole('heading', { name: 'Welcome to Sightline' }).waitFor();
    const focused = async () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        const style = getComputedStyle(element);
        return { label: element.getAttribute('aria-label') ?? element.id, outline: style.outlineStyle };
      });
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatchObject({ outline: 'solid' });
    // Tab on to the name field, then type the whole form without a pointer.
    for (let i = 0; i < 5 && (await page.evaluate(() => document.activeElement?.tagName)) !== 'INPUT'; i++)
      await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (document.activeElement as HTMLInputElement).autocomplete)).resolves.toBe('name');
    await expect(focused()).resolves.toMatchObject({ outline: 'solid' });
    await context.close();
  });
});
