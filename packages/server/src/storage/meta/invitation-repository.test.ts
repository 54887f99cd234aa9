import { describe, expect, it } from 'vitest';
import type { Invitation } from '../../domain/account.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

const DAY = 86_400_000;
const NOW = new Date('2025-06-01T08:00:00.000Z');

describe.each(META_TEST_ENGINES)('invitations on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  async function invite(overrides: Partial<Invitation> = {}): Promise<Invitation> {
    const site = overrides.siteId === undefined ? await meta.site() : undefined;
    const inviter = overrides.invitedBy === undefined ? await meta.user() : undefined;
    return meta.store.invitations.create({
      siteId: site?.id ?? (overrides.siteId as number),
      email: `${unique('invitee')}@example.com`,
      role: 'admin',
      tokenHash: unique('invite-token'),
      invitedBy: inviter?.id ?? (overrides.invitedBy as number),
      expiresAt: new Date(NOW.getTime() + 7 * DAY),
      ...overrides,
    });
  }

  it('creates an invitation and finds it by id and by token hash', async () => {
    const created = await invite();
    expect(created).toMatchObject({ role: 'admin', acceptedAt: null });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await meta.store.invitations.findById(created.id)).toEqual(created);
    expect(await meta.store.invitations.findByTokenHash(created.tokenHash)).toEqual(created);
    expect(await meta.store.invitations.findByTokenHash('unknown')).toBeUndefined();
    expect(await meta.store.invitations.findById(2 ** 31)).toBeUndefined();
  });

  it('refuses two invitations with the same token hash', async () => {
    const first = await invite();
    await expect(invite({ tokenHash: first.tokenHash })).rejects.toThrow();
  });

  it('lists only pending, unexpired invitations of the site', async () => {
    const site = await meta.site();
    const inviter = await meta.user();
    const pending = await invite({ siteId: site.id, invitedBy: inviter.id });
    const accepted = await invite({ siteId: site.id, invitedBy: inviter.id });
    await meta.store.invitations.accept(accepted.id, NOW);
    await invite({ siteId: site.id, invitedBy: inviter.id, expiresAt: NOW });
    await invite();
    expect(await meta.store.invitations.listPendingForSite(site.id, NOW)).toEqual([pending]);
  });

  it('accepts a pending invitation once, and never an expired one', async () => {
    const created = await invite();
    expect(await meta.store.invitations.accept(created.id, NOW)).toBe(true);
    expect(await meta.store.invitations.accept(created.id, NOW)).toBe(false);
    expect((await meta.store.invitations.findById(created.id))?.acceptedAt).toEqual(NOW);

    const expiring = await invite({ expiresAt: NOW });
    expect(await meta.store.invitations.accept(expiring.id, NOW)).toBe(false);
    expect((await meta.store.invitations.findById(expiring.id))?.acceptedAt).toBeNull();
    expect(await meta.store.invitations.accept(987_654, NOW)).toBe(false);
  });

  it('lets exactly one of several simultaneous accepts through', async () => {
    const created = await invite();
    const other = await meta.openAnother();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        (index % 2 === 0 ? meta.store : other).invitations.accept(created.id, NOW),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('deletes (revokes) an invitation', async () => {
    const created = await invite();
    expect(await meta.store.invitations.delete(created.id)).toBe(true);
    expect(await meta.store.invitations.delete(created.id)).toBe(false);
    expect(await meta.store.invitations.findByTokenHash(created.tokenHash)).toBeUndefined();
  });
});
