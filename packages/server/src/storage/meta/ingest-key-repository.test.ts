import { describe, expect, it } from 'vitest';
import type { IngestKey } from '../../domain/account.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('ingest keys on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  async function key(overrides: Partial<IngestKey> = {}): Promise<IngestKey> {
    const site = overrides.siteId === undefined ? await meta.site() : undefined;
    const creator = overrides.createdBy === undefined ? await meta.user() : undefined;
    return meta.store.ingestKeys.create({
      siteId: site?.id ?? (overrides.siteId as number),
      name: 'Mobile app',
      lookupId: unique('lookup'),
      hash: unique('ingest-hash'),
      expiresAt: null,
      rateLimitPerMinute: 1200,
      createdBy: creator?.id ?? (overrides.createdBy as number),
      ...overrides,
    });
  }

  it('creates a key and finds it by hash and id', async () => {
    const created = await key({ expiresAt: new Date('2027-07-07T07:07:07.000Z') });
    expect(created).toMatchObject({
      name: 'Mobile app',
      rateLimitPerMinute: 1200,
      usageCount: 0,
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: new Date('2027-07-07T07:07:07.000Z'),
    });
    expect(await meta.store.ingestKeys.findByHash(created.hash)).toEqual(created);
    expect(await meta.store.ingestKeys.findById(created.id)).toEqual(created);
    expect(await meta.store.ingestKeys.findByHash('unknown')).toBeUndefined();
    expect(await meta.store.ingestKeys.findById(0)).toBeUndefined();
  });

  it('refuses two keys with the same hash', async () => {
    const created = await key();
    await expect(key({ hash: created.hash })).rejects.toThrow();
  });

  it('lists a site’s keys only', async () => {
    const site = await meta.site();
    const creator = await meta.user();
    const first = await key({ siteId: site.id, createdBy: creator.id });
    const second = await key({ siteId: site.id, createdBy: creator.id });
    await key();
    expect(await meta.store.ingestKeys.listForSite(site.id)).toEqual([first, second]);
  });

  it('adds up usage from concurrent batches and keeps the latest use', async () => {
    const created = await key();
    const other = await meta.openAnother();
    const base = new Date('2025-08-08T08:00:00.000Z').getTime();
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? meta.store : other).ingestKeys.recordUse(created.id, 250, new Date(base + index * 1000)),
      ),
    );
    const used = await meta.store.ingestKeys.findById(created.id);
    expect(used?.usageCount).toBe(2500);
    expect(used?.lastUsedAt).toEqual(new Date(base + 9000));
  });

  it('counts past 2^31 events', async () => {
    const created = await key();
    await meta.store.ingestKeys.recordUse(created.id, 2 ** 31, new Date());
    await meta.store.ingestKeys.recordUse(created.id, 5, new Date());
    expect((await meta.store.ingestKeys.findById(created.id))?.usageCount).toBe(2 ** 31 + 5);
  });

  it('refuses a negative or fractional usage count', async () => {
    const created = await key();
    await expect(meta.store.ingestKeys.recordUse(created.id, -1, new Date())).rejects.toBeInstanceOf(RangeError);
    await expect(meta.store.ingestKeys.recordUse(created.id, 0.5, new Date())).rejects.toBeInstanceOf(RangeError);
  });

  it('regenerating swaps the secret: the old hash stops finding the key at once', async () => {
    const created = await key();
    const lookupId = unique('new-lookup');
    const hash = unique('new-hash');
    const replaced = await meta.store.ingestKeys.replaceSecret(created.id, lookupId, hash);
    expect(replaced).toEqual({ ...created, lookupId, hash });
    expect(await meta.store.ingestKeys.findByHash(created.hash)).toBeUndefined();
    expect(await meta.store.ingestKeys.findByHash(hash)).toEqual(replaced);
    expect(await meta.store.ingestKeys.replaceSecret(987_654, 'x', unique('h'))).toBeUndefined();
  });

  it('revokes a key once, keeping the record', async () => {
    const created = await key();
    const now = new Date('2025-09-09T09:09:09.000Z');
    expect(await meta.store.ingestKeys.revoke(created.id, now)).toBe(true);
    expect(await meta.store.ingestKeys.revoke(created.id, new Date())).toBe(false);
    expect((await meta.store.ingestKeys.findByHash(created.hash))?.revokedAt).toEqual(now);
    expect(await meta.store.ingestKeys.revoke(2 ** 40, now)).toBe(false);
  });
});
