import { Writable } from 'node:stream';
import { hashPassword } from '../../src/auth/passwords.js';
import { createSessionService, SESSION_COOKIE } from '../../src/auth/sessions.js';
import { createTokens, deriveTokenKey } from '../../src/auth/tokens.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import type { SiteRole, User } from '../../src/domain/account.js';
import type { Site } from '../../src/domain/site.js';
import { createLogger } from '../../src/logging.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { tempDataDir } from './server.js';

/** A Sightline started in this process on a private data dir (or the given DATABASE_URL), with its log captured. */
export interface TestApp {
  server: RunningServer;
  config: Config;
  url: string;
  /** Everything logged so far (JSON lines). */
  logs(): string;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    DATA_DIR: tempDataDir(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    FLUSH_INTERVAL_MS: '100',
    ...(env.DATABASE_URL ? { SECRET_KEY: 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz' } : {}),
    ...env,
  });
  let logs = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk;
      done();
    },
  });
  const server = await startServer(config, createLogger({ level: 'debug', secrets: config.secrets, destination }));
  return { server, config, url: server.url, logs: () => logs, close: () => server.close() };
}

/** A signed-in browser in tests: sends the session cookie and a same-origin `Origin` (CSRF) on every request. */
export interface TestClient {
  user: User;
  cookie: string;
  fetch(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

export const TEST_PASSWORD = 'Sightline test password 1';

/**
 * Creates an account straight in the metadata store (verified, password TEST_PASSWORD) and a session for it, the way
 * a sign-in would, so tests of other routes need not go through the sign-in flow.
 */
export async function createSignedInClient(
  app: TestApp,
  options: { email: string; name?: string; instanceOwner?: boolean },
): Promise<TestClient> {
  const meta = app.server.stores.meta;
  const user = await meta.users.create({
    email: options.email.toLowerCase(),
    name: options.name ?? options.email.split('@')[0] ?? 'Tester',
    passwordHash: await hashPassword(TEST_PASSWORD),
    isInstanceOwner: options.instanceOwner ?? false,
    emailVerifiedAt: new Date(),
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

/** Adds a site owned by (or shared with) the client's account, straight in the store. */
export async function addSite(
  app: TestApp,
  client: TestClient,
  domain: string,
  role: SiteRole = 'owner',
  timezone = 'UTC',
): Promise<Site> {
  const site = await app.server.stores.meta.sites.create({ domain, timezone });
  await app.server.stores.meta.members.upsert(site.id, client.user.id, role);
  return site;
}

/** fetch against the app with JSON in and the headers a same-origin browser page would send. */
export function clientFetch(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; cookie?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { origin: base, ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  return fetch(`${base}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}
