import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey } from '../src/auth/tokens.js';
import type { Site } from '../src/domain/site.js';
import {
  addSite,
  clientFetch,
  createSignedInClient,
  startTestApp,
  type TestApp,
  type TestClient,
} from './support/app.js';
import { childEnv, runCliCommand, tempDataDir } from './support/server.js';
import { META_ENGINES } from './support/site-fixtures.js';

// chDB allows one data directory per process: the apps of both metadata engines share it.
const dataDir = tempDataDir('sightline-api-keys-');

describe.each(META_ENGINES)('personal API keys over HTTP on $name', (engine) => {
  let drop: () => Promise<void> = async () => {};
  let app: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let site: Site;

  beforeAll(async () => {
    const database = await engine.prepare();
    drop = database.drop;
    app = await startTestApp({
      DATA_DIR: dataDir,
      ...database.env,
      CLICKHOUSE_DATABASE: `keys_${engine.name}`,
    });
    alice = await createSignedInClient(app, { email: 'alice@example.com' });
    bob = await createSignedInClient(app, { email: 'bob@example.com' });
    site = await addSite(app, alice, 'keys.example');
  });

  afterAll(async () => {
    await app?.close();
    await drop();
  });

  interface KeyView {
    id: number;
    name: string;
    prefix: string;
    scopes: string[];
    expiresAt: string | null;
    lastUsedAt: string | null;
    createdAt: string;
  }

  async function createKey(body: unknown, client = alice): Promise<{ key: KeyView; token: string }> {
    const response = await client.fetch('/api/account/api-keys', { body });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as { key: KeyView; token: string };
  }

  async function listKeys(client = alice): Promise<KeyView[]> {
    const response = await client.fetch('/api/account/api-keys');
    expect(response.status).toBe(200);
    return ((await response.json()) as { keys: KeyView[] }).keys;
  }

  /** A request as a script would make it: the key as a Bearer token, no cookies. */
  function withKey(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
    return clientFetch(app.url, path, { ...init, headers: { authorization: `Bearer ${token}` } });
  }

  describe('personal API keys', () => {
    it('are shown once at creation, then listed by prefix only, never the token or its hash', async () => {
      const { key, token } = await createKey({ name: '  Grafana  ', scopes: ['sites:read', 'stats:read'] });
      expect(token).toMatch(/^sl_live_[0-9A-Za-z]{40}$/);
      expect(key).toMatchObject({
        name: 'Grafana',
        prefix: token.slice(0, 'sl_live_'.length + 8),
        scopes: ['stats:read', 'sites:read'],
        expiresAt: null,
        lastUsedAt: null,
      });
      const listed = await listKeys();
      expect(listed.find((k) => k.id === key.id)).toEqual(key);
      const listing = JSON.stringify(listed);
      expect(listing).not.toContain(token);
      expect(listing).not.toContain(token.slice(16));
      const stored = await app.server.stores.meta.apiKeys.findById(key.id);
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(listing).not.toContain(stored?.hash ?? 'no hash');
      expect(app.logs()).not.toContain(token);
    });

    it('refuse bad input with a message that says what to fix', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ scopes: ['stats:read'] }, /name is required/],
        [{ name: 'x'.repeat(101), scopes: ['stats:read'] }, /1 to 100 characters/],
        [{ name: 'CI' }, /scopes must be a non-empty list of: stats:read, sites:read, sites:write/],
        [{ name: 'CI', scopes: [] }, /scopes must be a non-empty list/],
        [{ name: 'CI', scopes: ['stats:read', 'admin:all'] }, /Unknown scope "admin:all"/],
        [
          { name: 'CI', scopes: ['stats:read'], expiresInDays: 0 },
          /expiresInDays must be a whole number from 1 to 3650/,
        ],
        [{ name: 'CI', scopes: ['stats:read'], expiresInDays: 3651 }, /from 1 to 3650/],
        [{ name: 'CI', scopes: ['stats:read'], expiresInDays: '30' }, /from 1 to 3650/],
        ['[1]', /Send a JSON object/],
      ];
      for (const [body, message] of cases) {
        const response = await alice.fetch('/api/account/api-keys', { body });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(((await response.json()) as { error: string }).error).toMatch(message);
      }
    });

    it('expire after expiresInDays', async () => {
      const before = Date.now();
      const { key } = await createKey({ name: 'Short-lived', scopes: ['stats:read'], expiresInDays: 30 });
      const expiresAt = Date.parse(key.expiresAt ?? '');
      expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
      expect(expiresAt).toBeLessThan(Date.now() + 30 * 86_400_000 + 1);
    });

    it('read within their scopes and are refused (403) outside them; last use shows in the list', async () => {
      const { key, token } = await createKey({ name: 'Stats only', scopes: ['stats:read'] });
      const query = await withKey(token, '/api/v2/query', {
        body: { site_id: site.domain, metrics: ['visitors', 'pageviews'], date_range: '7d' },
      });
      expect(query.status, await query.clone().text()).toBe(200);

      const change = await withKey(token, `/api/sites/${site.id}`, { method: 'PATCH', body: { name: 'Renamed' } });
      expect(change.status).toBe(403);
      expect(((await change.json()) as { error: string }).error).toMatch(/scope/);
      const shield = await withKey(token, `/api/sites/${site.id}/shields`, {
        body: { kind: 'ip', value: '203.0.113.1' },
      });
      expect(shield.status).toBe(403);
      expect((await app.server.stores.meta.sites.findById(site.id))?.name).not.toBe('Renamed');

      const used = (await listKeys()).find((k) => k.id === key.id);
      expect(used?.lastUsedAt).not.toBeNull();
      expect(Date.now() - Date.parse(used?.lastUsedAt ?? '')).toBeLessThan(60_000);
    });

    it('with sites:read and sites:write manage the owner’s site, and only it', async () => {
      const { token } = await createKey({ name: 'Terraform', scopes: ['sites:read', 'sites:write'] });
      const list = await withKey(token, `/api/sites/${site.id}/shields`);
      expect(list.status).toBe(200);
      const created = await withKey(token, `/api/sites/${site.id}/shields`, {
        body: { kind: 'path', value: '/internal/**' },
      });
      expect(created.status).toBe(201);

      const bobsSite = await addSite(app, bob, 'bob-keys.example');
      const foreign = await withKey(token, `/api/sites/${bobsSite.id}/shields`);
      expect(foreign.status).toBe(404);
    });

    it('never work on account routes, so a leaked key cannot mint more keys', async () => {
      const { token } = await createKey({ name: 'Everything', scopes: ['stats:read', 'sites:read', 'sites:write'] });
      const list = await withKey(token, '/api/account/api-keys');
      expect(list.status).toBe(401);
      const mint = await withKey(token, '/api/account/api-keys', { body: { name: 'more', scopes: ['sites:write'] } });
      expect(mint.status).toBe(401);
    });

    it('stop working once expired (401)', async () => {
      const tokens = createTokens({ key: deriveTokenKey(app.config.secretKey) });
      const minted = tokens.newToken('sl_live');
      await app.server.stores.meta.apiKeys.create({
        userId: alice.user.id,
        name: 'Expired',
        lookupId: minted.lookupId,
        hash: minted.hash,
        scopes: ['sites:read'],
        expiresAt: new Date(Date.now() - 1_000),
      });
      const response = await withKey(minted.token, `/api/sites/${site.id}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/expired/);
    });

    it('are revoked by deleting them: the key stops at once, and only its owner can delete it', async () => {
      const { key, token } = await createKey({ name: 'To revoke', scopes: ['sites:read'] });
      expect((await withKey(token, `/api/sites/${site.id}`)).status).toBe(200);

      const byBob = await bob.fetch(`/api/account/api-keys/${key.id}`, { method: 'DELETE' });
      expect(byBob.status).toBe(404);
      expect((await withKey(token, `/api/sites/${site.id}`)).status).toBe(200);

      const deleted = await alice.fetch(`/api/account/api-keys/${key.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      expect((await withKey(token, `/api/sites/${site.id}`)).status).toBe(401);
      expect((await listKeys()).some((k) => k.id === key.id)).toBe(false);

      expect((await alice.fetch(`/api/account/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(404);
      expect((await alice.fetch('/api/account/api-keys/not-a-number', { method: 'DELETE' })).status).toBe(404);

      const audit = await app.server.stores.meta.audit.listForUser(alice.user.id, { limit: 50 });
      const actions = audit.filter((entry) => entry.details.keyId === key.id).map((entry) => entry.action);
      expect(actions.sort()).toEqual(['api_key.created', 'api_key.revoked']);
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    it('cannot be created from another site’s page (CSRF) or without a session', async () => {
      const crossSite = await fetch(`${app.url}/api/account/api-keys`, {
        method: 'POST',
        headers: { cookie: alice.cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'stolen', scopes: ['sites:write'] }),
      });
      expect(crossSite.status).toBe(403);
      const anonymous = await clientFetch(app.url, '/api/account/api-keys', {
        body: { name: 'anon', scopes: ['stats:read'] },
      });
      expect(anonymous.status).toBe(401);
      expect((await listKeys()).some((k) => k.name === 'stolen' || k.name === 'anon')).toBe(false);
    });

    it('can be created by an operator with `sightline keys create` and work on the running server', async () => {
      // the operator's shell has the server's settings
      const env = childEnv(app.config.dataDir, {
        DATABASE_URL: app.config.databaseUrl ?? '',
        SECRET_KEY: app.config.secretKey,
      });
      const result = await runCliCommand(
        ['keys', 'create', '--user', 'alice@example.com', '--scopes', 'sites:read', '--name', 'Ops script'],
        env,
      );
      expect(result.code, result.stderr).toBe(0);
      const token = result.stdout.trim();
      expect(token).toMatch(/^sl_live_[0-9A-Za-z]{40}$/);
      expect(result.stderr).toContain('shown only this once');

      const response = await withKey(token, `/api/sites/${site.id}`);
      expect(response.status).toBe(200);
      expect((await listKeys()).find((k) => k.name === 'Ops script')?.scopes).toEqual(['sites:read']);

      const unknown = await runCliCommand(
        ['keys', 'create', '--user', 'nobody@example.com', '--scopes', 'stats:read'],
        env,
      );
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain('No account with the email nobody@example.com');
    });
  });
});
