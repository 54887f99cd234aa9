import { describe, expect, it } from 'vitest';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('share links on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  it('creates a link and finds it by slug and id, with or without a password', async () => {
    const site = await meta.site();
    const open = await meta.store.shareLinks.create({
      siteId: site.id,
      slug: unique('slug'),
      name: 'Investors',
      passwordHash: null,
    });
    const locked = await meta.store.shareLinks.create({
      siteId: site.id,
      slug: unique('slug'),
      name: 'Team',
      passwordHash: '$argon2id$pw',
    });
    expect(open).toMatchObject({ siteId: site.id, name: 'Investors', passwordHash: null });
    expect(open.createdAt).toBeInstanceOf(Date);
    expect(await meta.store.shareLinks.findBySlug(open.slug)).toEqual(open);
    expect(await meta.store.shareLinks.findById(locked.id)).toEqual(locked);
    expect(await meta.store.shareLinks.listForSite(site.id)).toEqual([open, locked]);
    expect(await meta.store.shareLinks.findBySlug('unknown')).toBeUndefined();
    expect(await meta.store.shareLinks.findById(-5)).toBeUndefined();
  });

  it('refuses a slug already in use, on any site', async () => {
    const slug = unique('slug');
    await meta.store.shareLinks.create({ siteId: (await meta.site()).id, slug, name: 'A', passwordHash: null });
    await expect(
      meta.store.shareLinks.create({ siteId: (await meta.site()).id, slug, name: 'B', passwordHash: null }),
    ).rejects.toThrow();
  });

  it('deletes a link, after which its slug leads nowhere', async () => {
    const site = await meta.site();
    const link = await meta.store.shareLinks.create({
      siteId: site.id,
      slug: unique('slug'),
      name: 'X',
      passwordHash: null,
    });
    expect(await meta.store.shareLinks.delete(link.id)).toBe(true);
    expect(await meta.store.shareLinks.delete(link.id)).toBe(false);
    expect(await meta.store.shareLinks.findBySlug(link.slug)).toBeUndefined();
  });
});
