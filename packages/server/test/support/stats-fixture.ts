import { createTokens, deriveTokenKey, TOKEN_PREFIXES } from '../../src/auth/tokens.js';
import type { ApiKeyScope, StoredFunnel, StoredGoal } from '../../src/domain/account.js';
import type { Site } from '../../src/domain/site.js';
import { addSite, type TestApp, type TestClient } from './app.js';

export const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * Five visitors of one site, sent through POST /api/event like the tracker would (Chrome, each from its own address):
 *
 *   A  from Google:       /  →  /pricing  →  custom event Signup on /pricing     2 pageviews, converts both goals
 *   B  direct:            /pricing                                             bounce
 *   C  direct:            /  →  /blog/hello                                     2 pageviews
 *   D  from Hacker News:  /blog/hello                                          bounce
 *   E  direct:            /pricing                                             bounce
 *
 * Today: 5 visitors, 5 visits, 7 pageviews, bounce rate 60 %.
 * Pages by visitors: /pricing 3 (A, B, E), / 2 (A, C), /blog/hello 2 (C, D).
 * Goals: "Visited pricing" (pageview /pricing) 3 visitors = 60 %; "Signup" (event) 1 visitor = 20 %.
 * Funnel Visited pricing → Signup: 3, then 1 (2 lost, 66.67 %).
 * Sources (of each visit's first event): Direct / None 3, Google 1, Hacker News 1.
 */
export const EXPECTED = {
  visitors: 5,
  visits: 5,
  pageviews: 7,
  bounceRate: 60,
  pages: [
    ['/pricing', 3, 3],
    ['/', 2, 2],
    ['/blog/hello', 2, 2],
  ] as const,
};

export interface StatsFixture {
  site: Site;
  goals: StoredGoal[];
  funnel: StoredFunnel;
}

/** Sends one Plausible-format event and insists it was accepted and kept. */
export async function track(
  app: TestApp,
  ip: string,
  event: { domain: string; url: string; name?: string; referrer?: string; props?: Record<string, string> },
): Promise<void> {
  const response = await fetch(`${app.url}/api/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': CHROME_MAC, 'x-forwarded-for': ip },
    body: JSON.stringify({ name: 'pageview', ...event }),
  });
  if (response.status !== 202 || response.headers.get('x-sightline-dropped') !== null) {
    throw new Error(`event not stored: ${response.status} ${response.headers.get('x-sightline-dropped')}`);
  }
}

/**
 * Creates `domain` for `client` with two goals and a funnel, then sends the five visits above from addresses
 * `<ipPrefix>.1` … `.5` and waits until they are in the event store.
 */
export async function seedStatsSite(
  app: TestApp,
  client: TestClient,
  domain: string,
  ipPrefix: string,
): Promise<StatsFixture> {
  await waitOutMidnight();
  const site = await addSite(app, client, domain);
  const meta = app.server.stores.meta;
  const goals = [
    await meta.goals.create({
      siteId: site.id,
      kind: 'pageview',
      pathPattern: '/pricing',
      eventName: null,
      displayName: 'Visited pricing',
    }),
    await meta.goals.create({
      siteId: site.id,
      kind: 'event',
      pathPattern: null,
      eventName: 'Signup',
      displayName: 'Signup',
    }),
  ];
  const funnel = await meta.funnels.create({
    siteId: site.id,
    name: 'Pricing to signup',
    steps: ['Visited pricing', 'Signup'],
  });

  const url = (path: string) => `https://${domain}${path}`;
  const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((n) => `${ipPrefix}.${n}`) as [string, string, string, string, string];
  await track(app, a, { domain, url: url('/'), referrer: 'https://www.google.com/' });
  await track(app, b, { domain, url: url('/pricing') });
  await track(app, c, { domain, url: url('/') });
  await track(app, d, { domain, url: url('/blog/hello'), referrer: 'https://news.ycombinator.com/item?id=1' });
  await track(app, e, { domain, url: url('/pricing') });
  await pause(5);
  await track(app, a, { domain, url: url('/pricing'), referrer: url('/') });
  await track(app, c, { domain, url: url('/blog/hello'), referrer: url('/') });
  await pause(5);
  await track(app, a, { domain, url: url('/pricing'), name: 'Signup' });
  await app.server.flushNow();
  await waitForEvents(app, site.id, 8);
  return { site, goals, funnel };
}

/** Rows of the site in the event store (pageviews and custom events). */
export async function countEvents(app: TestApp, siteId?: number): Promise<number> {
  const events = app.server.stores.events;
  const rows = await events.query<{ n: string }>(
    siteId === undefined
      ? `SELECT count() AS n FROM ${events.eventsTable}`
      : `SELECT count() AS n FROM ${events.eventsTable} WHERE site_id = {site:UInt32}`,
    siteId === undefined ? {} : { site: siteId },
  );
  return Number(rows[0]?.n ?? 0);
}

async function waitForEvents(app: TestApp, siteId: number, expected: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await countEvents(app, siteId)) < expected) {
    if (Date.now() > deadline) throw new Error(`expected ${expected} events of site ${siteId} in the store`);
    await app.server.flushNow();
    await pause(50);
  }
}

/** A personal API key of `userId` holding `scopes`, made the way the account routes make one. */
export async function createApiKey(app: TestApp, userId: number, scopes: ApiKeyScope[]): Promise<string> {
  const tokens = createTokens({ key: deriveTokenKey(app.config.secretKey) });
  const minted = tokens.newToken(TOKEN_PREFIXES.apiKey);
  await app.server.stores.meta.apiKeys.create({
    userId,
    name: `test key ${scopes.join(' ')}`,
    lookupId: minted.lookupId,
    hash: minted.hash,
    scopes,
    expiresAt: null,
  });
  return minted.token;
}

/** Today's numbers must all land on one UTC day: never start a visit in the last few seconds before midnight. */
async function waitOutMidnight(): Promise<void> {
  const untilMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (untilMidnight < 30_000) await pause(untilMidnight + 1_000);
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
