import { expect } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { createSessionService, SESSION_COOKIE } from '../../src/auth/sessions.js';
import { createTokens, deriveTokenKey } from '../../src/auth/tokens.js';
import { freshPostgresDatabase } from '../../src/test-support/postgres.js';
import { clientFetch, startTestApp, TEST_PASSWORD, type TestApp, type TestClient } from './app.js';

/**
 * Support for the site, member, share and IDOR suites: the metadata engines they run on, accounts in any state, and
 * events sent the way a tracker sends them.
 */

export const BASE_URL = 'https://stats.example.test';

export interface MetaEngine {
  name: 'SQLite' | 'PostgreSQL';
  /** Extra environment for the app (DATABASE_URL), and how to remove the database afterwards. */
  prepare(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }>;
}

export const META_ENGINES: MetaEngine[] = [
  { name: 'SQLite', prepare: async () => ({ env: {}, drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    async prepare() {
      const database = await freshPostgresDatabase();
      return { env: { DATABASE_URL: database.url }, drop: database.drop };
    },
  },
];

let appCount = 0;

/**
 * Starts an app on `dataDir` with the engine's metadata store. chDB allows one data directory per process, so the
 * apps of one test file share a directory and keep their events apart by ClickHouse database.
 */
export async function startSiteApp(
  engine: MetaEngine,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ app: TestApp; drop: () => Promise<void> }> {
  const prepared = await engine.prepare();
  appCount++;
  const app = await startTestApp({
    DATA_DIR: dataDir,
    BASE_URL,
    CLICKHOUSE_DATABASE: `sites_${process.pid}_${appCount}`,
    ...prepared.env,
    ...env,
  });
  return { app, drop: prepared.drop };
}

/** A signed-in account in any state (e.g. email not verified), created straight in the store. */
export async function signedInAs(
  app: TestApp,
  email: string,
  options: { verified?: boolean; name?: string } = {},
): Promise<TestClient> {
  const meta = app.server.stores.meta;
  const user = await meta.users.create({
    email: email.toLowerCase(),
    name: options.name ?? email.split('@')[0] ?? 'Tester',
    passwordHash: await hashPassword(TEST_PASSWORD),
    emailVerifiedAt: options.verified === false ? null : new Date(),
  });
  const sessions = createSessionService({
    sessions: meta.loginSessions,
    users: meta.users,
    tokens: createTokens({ key: deriveTokenKey(app.config.secretKey) }),
    idleTimeoutMs: app.config.sessionIdleDays * 86_400_000,
    maxAgeMs: app.config.sessionMaxDays * 86_400_000,
    now: Date.now,
  });
  const { token } = await sessions.create(user, { userAgent: 'vitest', country: '' });
  const cookie = `${SESSION_COOKIE}=${token}`;
  return { user, cookie, fetch: (path, init) => clientFetch(app.url, path, { cookie, ...init }) };
}

/** Sends a pageview for `domain` as the tracker would, and waits until it is in the event store. */
export async function sendPageview(app: TestApp, domain: string, path = '/'): Promise<void> {
  const response = await fetch(`${app.url}/api/event`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      'user-agent':
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    },
    body: JSON.stringify({ n: 'pageview', u: `https://${domain}${path}`, d: domain, r: null }),
  });
  expect(response.status).toBe(202);
  expect(response.headers.get('x-sightline-dropped')).toBeNull();
  await app.server.flushNow();
}

/** Events stored for a site id, read straight from the event store. */
export async function storedEventCount(app: TestApp, siteId: number): Promise<number> {
  const events = app.server.stores.events;
  const [row] = await events.query<{ n: string }>(
    `SELECT count() AS n FROM ${events.eventsTable} WHERE site_id = {site:UInt32}`,
    { site: siteId },
  );
  return Number(row?.n ?? 0);
}

/** Asserts the status and returns the JSON body (or the `error` message for 4xx answers). */
export async function expectStatus<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, `${response.url}: ${text}`).toBe(status);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

export async function expectError(response: Response, status: number, message: RegExp | string): Promise<void> {
  const body = await expectStatus<{ error?: string }>(response, status);
  if (typeof message === 'string') expect(body.error).toBe(message);
  else expect(body.error).toMatch(message);
}
