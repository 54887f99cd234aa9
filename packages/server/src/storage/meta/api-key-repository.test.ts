import { describe, expect, it } from 'vitest';
import type { ApiKey, ApiKeyScope } from '../../domain/account.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('personal API keys on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  async function key(userId: number, overrides: Partial<ApiKey> = {}): Promise<ApiKey> {
    return meta.store.apiKeys.create({
      userId,
      name: 'Reporting script',
      lookupId: unique('lookup'),
      hash: unique('api-key-hash'),
      scopes: ['stats:read', 'sites:read'],
      expiresAt: new Date('2026-01-01T00:00:00.000Z'),
      ...overrides,
    });
  }

  it('creates a key and finds it by hash and id, scopes and expiry intact', async () => {
    const user = await meta.user();
    const created = await key(user.id);
    expect(created).toMatchObject({
      userId: user.id,
      name: 'Reporting script',
      scopes: ['stats:read', 'sites:read'],
      expiresAt: new Date('2026-01-01T00:00:00.000Z'),
      lastUsedAt: null,
    });
    expect(await meta.store.apiKeys.findByHash(created.hash)).toEqual(created);
    expect(await meta.store.apiKeys.findById(created.id)).toEqual(created);
    expect(await meta.store.apiKeys.findByHash('unknown')).toBeUndefined();
    expect(await meta.store.apiKeys.findById(2 ** 31)).toBeUndefined();
  });

  it('keeps a key without expiry, and drops scopes that do not exist', async () => {
    const user = await meta.user();
    const created = await key(user.id, { expiresAt: null, scopes: ['sites:write', 'admin:all' as ApiKeyScope] });
    expect(created.expiresAt).toBeNull();
    expect(created.scopes).toEqual(['sites:write']);
  });

  it('refuses two keys with the same hash', async () => {
    const user = await meta.user();
    const created = await key(user.id);
    await expect(key(user.id, { hash: created.hash })).rejects.toThrow();
  });

  it('lists a user’s keys only', async () => {
    const user = await meta.user();
    const other = await meta.user();
    const first = await key(user.id);
    const second = await key(user.id);
    await key(other.id);
    expect(await meta.store.apiKeys.listForUser(user.id)).toEqual([first, second]);
  });

  it('records the last use, never moving it backwards', async () => {
    const user = await meta.user();
    const created = await key(user.id);
    const used = new Date('2025-03-03T03:03:03.000Z');
    await meta.store.apiKeys.touch(created.id, used);
    expect((await meta.store.apiKeys.findById(created.id))?.lastUsedAt).toEqual(used);
    await meta.store.apiKeys.touch(created.id, new Date(used.getTime() - 1000));
    expect((await meta.store.apiKeys.findById(created.id))?.lastUsedAt).toEqual(used);
  });

  it('deletes a key, after which its hash no longer finds it', async () => {
    const user = await meta.user();
    const created = await key(user.id);
    expect(await meta.store.apiKeys.delete(created.id)).toBe(true);
    expect(await meta.store.apiKeys.delete(created.id)).toBe(false);
    expect(await meta.store.apiKeys.findByHash(created.hash)).toBeUndefined();
  });
});
