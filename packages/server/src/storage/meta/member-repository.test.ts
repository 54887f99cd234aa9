import { describe, expect, it } from 'vitest';
import { META_TEST_ENGINES, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('site members on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  it('adds a member, changes their role and finds them', async () => {
    const site = await meta.site();
    const user = await meta.user();
    const added = await meta.store.members.upsert(site.id, user.id, 'viewer');
    expect(added).toMatchObject({ siteId: site.id, userId: user.id, role: 'viewer' });
    expect(added.createdAt).toBeInstanceOf(Date);
    const promoted = await meta.store.members.upsert(site.id, user.id, 'admin');
    expect(promoted).toEqual({ ...added, role: 'admin' });
    expect(await meta.store.members.find(site.id, user.id)).toEqual(promoted);
  });

  it('removes a member once', async () => {
    const site = await meta.site();
    const user = await meta.user();
    await meta.store.members.upsert(site.id, user.id, 'viewer');
    expect(await meta.store.members.remove(site.id, user.id)).toBe(true);
    expect(await meta.store.members.remove(site.id, user.id)).toBe(false);
    expect(await meta.store.members.find(site.id, user.id)).toBeUndefined();
  });

  it('refuses a role that does not exist and a member of a site that does not', async () => {
    const site = await meta.site();
    const user = await meta.user();
    await expect(meta.store.members.upsert(site.id, user.id, 'superuser' as 'owner')).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(meta.store.members.upsert(987_654, user.id, 'viewer')).rejects.toThrow();
    expect(await meta.store.members.find(site.id, user.id)).toBeUndefined();
  });

  it('lists a site’s members with their email and name', async () => {
    const site = await meta.site();
    const owner = await meta.user({ name: 'Owner' });
    const viewer = await meta.user({ name: 'Viewer' });
    await meta.store.members.upsert(site.id, owner.id, 'owner');
    await meta.store.members.upsert(site.id, viewer.id, 'viewer');
    const members = await meta.store.members.listForSite(site.id);
    expect(members.map(({ userId, role, email, name }) => ({ userId, role, email, name }))).toEqual([
      { userId: owner.id, role: 'owner', email: owner.email, name: 'Owner' },
      { userId: viewer.id, role: 'viewer', email: viewer.email, name: 'Viewer' },
    ]);
  });

  it('lists a user’s sites as full sites with the role, by site id', async () => {
    const user = await meta.user();
    const first = await meta.site();
    const second = await meta.store.sites.create({ domain: `second-${first.domain}`, name: 'Second' });
    await meta.site();
    await meta.store.members.upsert(second.id, user.id, 'viewer');
    await meta.store.members.upsert(first.id, user.id, 'owner');
    const publicSecond = await meta.store.sites.update(second.id, { isPublic: true });
    expect(await meta.store.members.listSitesForUser(user.id)).toEqual([
      { site: first, role: 'owner' },
      { site: publicSecond, role: 'viewer' },
    ]);
    expect(await meta.store.members.listSitesForUser(2 ** 31)).toEqual([]);
  });

  it('transfers ownership: the new owner owns, the old one becomes admin', async () => {
    const site = await meta.site();
    const owner = await meta.user();
    const admin = await meta.user();
    const viewer = await meta.user();
    await meta.store.members.upsert(site.id, owner.id, 'owner');
    await meta.store.members.upsert(site.id, admin.id, 'admin');
    await meta.store.members.upsert(site.id, viewer.id, 'viewer');
    await meta.store.members.transferOwnership(site.id, admin.id);
    const roles = Object.fromEntries(
      (await meta.store.members.listForSite(site.id)).map((member) => [member.userId, member.role]),
    );
    expect(roles).toEqual({ [owner.id]: 'admin', [admin.id]: 'owner', [viewer.id]: 'viewer' });
  });

  it('transferring to a non-member makes them the owner; to the owner changes nothing', async () => {
    const site = await meta.site();
    const owner = await meta.user();
    const outsider = await meta.user();
    await meta.store.members.upsert(site.id, owner.id, 'owner');
    await meta.store.members.transferOwnership(site.id, owner.id);
    expect(await meta.store.members.find(site.id, owner.id)).toMatchObject({ role: 'owner' });
    await meta.store.members.transferOwnership(site.id, outsider.id);
    expect(await meta.store.members.find(site.id, outsider.id)).toMatchObject({ role: 'owner' });
    expect(await meta.store.members.find(site.id, owner.id)).toMatchObject({ role: 'admin' });
  });

  it('a failed transfer changes nothing', async () => {
    const site = await meta.site();
    const owner = await meta.user();
    await meta.store.members.upsert(site.id, owner.id, 'owner');
    await expect(meta.store.members.transferOwnership(site.id, 987_654)).rejects.toThrow(/does not exist/);
    await expect(meta.store.members.transferOwnership(site.id, -1)).rejects.toBeInstanceOf(RangeError);
    expect(await meta.store.members.find(site.id, owner.id)).toMatchObject({ role: 'owner' });
  });

  it('concurrent transfers of one site leave exactly one owner', async () => {
    // PostgreSQL: a second connection, as another node. SQLite runs one writer at a time per file, and a second
    // connection in this same thread would only wait on the first, so the one store's queue is the contention there.
    const other = engine.name === 'postgres' ? await meta.openAnother() : meta.store;
    for (let round = 0; round < 5; round++) {
      const site = await meta.site();
      const owner = await meta.user();
      const candidates = [await meta.user(), await meta.user(), await meta.user()];
      await meta.store.members.upsert(site.id, owner.id, 'owner');
      await Promise.all(
        candidates.map((candidate, index) =>
          (index % 2 === 0 ? meta.store : other).members.transferOwnership(site.id, candidate.id),
        ),
      );
      const owners = (await meta.store.members.listForSite(site.id)).filter((member) => member.role === 'owner');
      expect(owners).toHaveLength(1);
    }
  });

  it('answers undefined/false/empty for impossible ids', async () => {
    expect(await meta.store.members.find(0, 1)).toBeUndefined();
    expect(await meta.store.members.find(1, 2 ** 32)).toBeUndefined();
    expect(await meta.store.members.remove(1.5, 1)).toBe(false);
    expect(await meta.store.members.listForSite(-7)).toEqual([]);
  });
});
