import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens, deriveTokenKey } from '../auth/tokens.js';
import { type Config, loadConfig } from '../config/index.js';
import type { User } from '../domain/account.js';
import { createMetaStore } from '../storage/meta/index.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import { runKeysCommand } from './keys.js';

let dataDir: string;
let config: Config;
let meta: MetaStore;
let user: User;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sightline-keys-cli-'));
  config = loadConfig({ DATA_DIR: dataDir });
  meta = await createMetaStore({ dataDir });
  await meta.migrate();
  user = await meta.users.create({ email: 'ops@example.com', name: 'Ops', passwordHash: null });
});

afterAll(async () => {
  await meta.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCommand(config, meta, args, { out: (l) => out.push(l), err: (l) => err.push(l) }, () =>
    Date.UTC(2026, 2, 1),
  );
  return { code, out, err: err.join('\n') };
}

describe('sightline keys create', () => {
  it('prints only the new key on stdout, stores its hash under the server secret, and logs it for the account', async () => {
    const { code, out, err } = await run([
      'create',
      '--user',
      ' OPS@example.com ',
      '--scopes',
      'sites:read, stats:read',
      '--name',
      'Grafana',
      '--expires-days',
      '30',
    ]);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const token = out[0] ?? '';
    expect(token).toMatch(/^sl_live_[0-9A-Za-z]{40}$/);
    expect(err).toContain('Created API key "Grafana"');
    expect(err).toContain('shown only this once');
    expect(err).not.toContain(token);

    const hash = createTokens({ key: deriveTokenKey(config.secretKey) }).hashToken(token) ?? '';
    const key = await meta.apiKeys.findByHash(hash);
    expect(key).toMatchObject({
      userId: user.id,
      name: 'Grafana',
      scopes: ['stats:read', 'sites:read'],
      lookupId: token.slice('sl_live_'.length, 'sl_live_'.length + 8),
    });
    expect(key?.expiresAt?.toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(JSON.stringify(key)).not.toContain(token);

    const [entry] = await meta.audit.listForUser(user.id);
    expect(entry).toMatchObject({ action: 'api_key.created', details: { keyId: key?.id, via: 'cli' } });
  });

  it('names what is wrong and creates nothing for a bad command line', async () => {
    const before = (await meta.apiKeys.listForUser(user.id)).length;
    const cases: Array<[string[], RegExp]> = [
      [['create', '--scopes', 'stats:read'], /needs --user/],
      [
        ['create', '--user', 'nobody@example.com', '--scopes', 'stats:read'],
        /No account with the email nobody@example.com/,
      ],
      [['create', '--user', 'not-an-email', '--scopes', 'stats:read'], /not an email address/],
      [['create', '--user', 'ops@example.com'], /needs --scopes/],
      [['create', '--user', 'ops@example.com', '--scopes', 'stats:read,admin'], /Unknown scope "admin"/],
      [['create', '--user', 'ops@example.com', '--scopes', ' , '], /names no scope/],
      [['create', '--user', 'ops@example.com', '--scopes', 'stats:read', '--expires-days', '0'], /1 to 3650/],
      [['create', '--user', 'ops@example.com', '--scopes', 'stats:read', '--expires-days', '1.5'], /1 to 3650/],
      [['create', '--user', 'ops@example.com', '--scopes', 'stats:read', '--name', ' '], /--name must be/],
      [['list'], /Use `keys create/],
      [[], /Use `keys create/],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = await run(args);
      expect(code, args.join(' ')).toBe(1);
      expect(out).toEqual([]);
      expect(err).toMatch(message);
    }
    expect(await meta.apiKeys.listForUser(user.id)).toHaveLength(before);
  });
});
