/**
 * The dashboard's account screens in real headless Chromium against a running Sightline with open registration and a
 * real SMTP server (in-process): following the links of the mails it sends, as a person would. An invitation accepted
 * by signing up, a viewer who cannot reach settings, a forgotten password reset, and an email verification.
 *
 * Run: npx vitest run packages/dashboard/test/accounts.browser.test.ts
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSite, createSignedInClient, startTestApp, type TestApp } from '../../server/test/support/app.js';
import { type CaughtMail, type MailCatcher, startMailCatcher } from '../../server/test/support/mail-catcher.js';
import { freePort } from '../../server/test/support/server.js';
import { launchBrowser } from '../../tracker/test/support.js';
import { DESKTOP, ensureDashboardBuilt, openPage, PHONE, screenshot, type WatchedPage } from './support.js';

const SITE = 'invited.example.test';

let app: TestApp;
let mail: MailCatcher;
let browser: Browser;

beforeAll(async () => {
  await ensureDashboardBuilt();
  mail = await startMailCatcher();
  const port = await freePort();
  app = await startTestApp({
    PORT: String(port),
    BASE_URL: `http://127.0.0.1:${port}`,
    REGISTRATION: 'open',
    SMTP_URL: mail.url,
  });
  browser = await launchBrowser({ waitForInstallMs: 0 });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await mail?.close();
});

/** The first link in a mail that goes to `path` on this instance. */
function linkIn(message: CaughtMail, path: string): string {
  const match = new RegExp(`https?://[^\\s"'<>]+${path.replace(/[/?]/g, '\\$&')}\\?token=[^\\s"'<>]+`).exec(
    message.text,
  );
  if (!match) throw new Error(`no ${path} link in: ${message.text}`);
  return match[0];
}

/** A signed-in browser page for an account created straight in the store. */
async function signedInPage(email: string): Promise<WatchedPage> {
  const client = await createSignedInClient(app, { email, name: 'Olivia Owner', instanceOwner: true });
  const watched = await openPage(browser);
  const [name, value] = client.cookie.split('=') as [string, string];
  await watched.context.addCookies([{ name, value, url: app.url }]);
  await addSite(app, client, SITE, 'owner', 'Europe/Berlin');
  return watched;
}

describe('invitations, roles and mail links', () => {
  it('invites a viewer, who signs up from the mail link and sees the dashboard but not its settings', async () => {
    const owner = await signedInPage('olivia@example.test');
    await owner.page.goto(`${app.url}/${SITE}/settings/members`);
    await owner.page.getByLabel('Email').fill('vera@example.test');
    await owner.page.getByLabel('Role').selectOption('viewer');
    await owner.page.getByRole('button', { name: 'Send invitation' }).click();
    await owner.page.getByText('Invitation sent to vera@example.test.').waitFor();
    await owner.page.getByText('Pending invitations').waitFor();
    await screenshot(owner.page, 'settings-members', DESKTOP, 'light');
    expect(owner.problems).toEqual([]);

    const invitation = await mail.waitFor((m) => m.to.includes('vera@example.test'));
    const link = linkIn(invitation, '/invitations/accept');
    const vera = await openPage(browser, { viewport: PHONE });
    await vera.page.goto(link);
    await vera.page.getByText(`You are invited to ${SITE} as a viewer`).waitFor();
    // The single-use token leaves the address bar at once (history, bookmarks, Referer).
    await vera.page.waitForURL((url) => url.search === '');
    await expect(vera.page.getByLabel('Email').inputValue()).resolves.toBe('vera@example.test');
    await vera.page.getByLabel('Your name').fill('Vera Viewer');
    await vera.page.getByLabel('Password').fill('a long and unusual passphrase 7');
    await vera.page.getByRole('button', { name: 'Create account' }).click();
    await vera.page.waitForURL(`${app.url}/${SITE}`);
    await vera.page.locator('.dashboard[data-loaded="true"]').waitFor();
    await screenshot(vera.page, 'dashboard-empty-viewer', PHONE, 'light');
    await expect(vera.page.getByRole('link', { name: 'Settings' }).count()).resolves.toBe(0);
    await vera.page.goto(`${app.url}/${SITE}/settings/general`);
    await vera.page.getByText('only its owner and admins can change its settings').waitFor();
    expect(vera.problems).toEqual([]);
    await vera.context.close();

    await owner.page.reload();
    await owner.page.getByText('vera@example.test').first().waitFor();
    await expect(owner.page.getByText('Pending invitations').count()).resolves.toBe(0);
    await owner.context.close();
  });

  it('resets a forgotten password from the mail link, then signs in with the new one', async () => {
    const visitor = await openPage(browser, { ignore: [/status of 401/] });
    await visitor.page.goto(`${app.url}/login`);
    await visitor.page.getByRole('link', { name: 'Forgot your password?' }).click();
    await visitor.page.getByLabel('Email').fill('vera@example.test');
    await visitor.page.getByRole('button', { name: 'Send reset link' }).click();
    await visitor.page.getByText('an email with a link to choose a new password is on its way').waitFor();

    const reset = await mail.waitFor((m) => m.to.includes('vera@example.test') && /reset-password/.test(m.text));
    await visitor.page.goto(linkIn(reset, '/reset-password'));
    await visitor.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await visitor.page.waitForURL((url) => url.search === '');
    await visitor.page.getByLabel('New password', { exact: true }).fill('another fine passphrase 99');
    await visitor.page.getByLabel('Repeat the new password').fill('another fine passphrase 99');
    await visitor.page.getByRole('button', { name: 'Set new password' }).click();
    await visitor.page.getByText('Your password is changed').waitFor();

    await visitor.page.getByRole('link', { name: 'Sign in with the new password' }).click();
    await visitor.page.getByLabel('Email').fill('vera@example.test');
    await visitor.page.getByLabel('Password').fill('a long and unusual passphrase 7');
    await visitor.page.getByRole('button', { name: 'Sign in' }).click();
    await visitor.page.getByText('Email or password is incorrect').waitFor();
    await visitor.page.getByLabel('Password').fill('another fine passphrase 99');
    await visitor.page.getByRole('button', { name: 'Sign in' }).click();
    await visitor.page.getByRole('heading', { name: 'Sites' }).waitFor();
    await visitor.page.getByText(SITE).first().waitFor();
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });

  it('registers while sign-up is open and verifies the email from the mail link', async () => {
    const visitor = await openPage(browser, { colorScheme: 'dark' });
    await visitor.page.goto(`${app.url}/login`);
    await visitor.page.getByRole('link', { name: 'Create an account' }).click();
    await visitor.page.getByLabel('Your name').fill('Nico New');
    await visitor.page.getByLabel('Email').fill('nico@example.test');
    await visitor.page.getByLabel('Password').fill('a fine passphrase for me 3');
    await visitor.page.getByRole('button', { name: 'Create account' }).click();
    await visitor.page.getByRole('heading', { name: 'No sites yet' }).waitFor();
    await visitor.page.getByText('Please verify your email address').waitFor();
    await screenshot(visitor.page, 'sites-empty', DESKTOP, 'dark');

    const verification = await mail.waitFor((m) => m.to.includes('nico@example.test'));
    await visitor.page.goto(linkIn(verification, '/verify-email'));
    await visitor.page.getByText('Your email address is verified').waitFor();
    await visitor.page.getByRole('link', { name: 'Go to your sites' }).click();
    await visitor.page.getByRole('heading', { name: 'No sites yet' }).waitFor();
    await expect(visitor.page.getByText('Please verify your email address').count()).resolves.toBe(0);
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });
});
