import { describe, expect, it } from 'vitest';
import type { ShieldKind } from '../../domain/account.js';
import { META_TEST_ENGINES, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('shields on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  it('creates shields of every kind and lists them for their site', async () => {
    const site = await meta.site();
    const other = await meta.site();
    const created = [];
    for (const [kind, value] of [
      ['ip', '203.0.113.0/24'],
      ['country', 'RU'],
      ['path', '/admin/**'],
      ['hostname', '*.staging.example'],
    ] as const) {
      created.push(await meta.store.shields.create({ siteId: site.id, kind, value, description: `no ${kind}` }));
    }
    await meta.store.shields.create({ siteId: other.id, kind: 'ip', value: '10.0.0.1', description: '' });
    expect(await meta.store.shields.listForSite(site.id)).toEqual(created);
    expect(await meta.store.shields.findById(created[0]?.id as number)).toEqual(created[0]);
    expect(created[2]).toMatchObject({ kind: 'path', value: '/admin/**', description: 'no path' });
  });

  it('refuses a kind that does not exist', async () => {
    const site = await meta.site();
    await expect(
      meta.store.shields.create({ siteId: site.id, kind: 'asn' as ShieldKind, value: '1', description: '' }),
    ).rejects.toThrow();
    expect(await meta.store.shields.listForSite(site.id)).toEqual([]);
  });

  it('deletes a shield once', async () => {
    const site = await meta.site();
    const shield = await meta.store.shields.create({ siteId: site.id, kind: 'country', value: 'CN', description: '' });
    expect(await meta.store.shields.delete(shield.id)).toBe(true);
    expect(await meta.store.shields.delete(shield.id)).toBe(false);
    expect(await meta.store.shields.findById(shield.id)).toBeUndefined();
    expect(await meta.store.shields.findById(2 ** 31)).toBeUndefined();
  });
});
