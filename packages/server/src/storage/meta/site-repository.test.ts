import { describe, expect, it } from 'vitest';
import { DuplicateSiteError, InvalidSiteError } from './meta-store.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('sites: names, edits and deletion on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  it('names a site after its domain unless given a name, and starts it private', async () => {
    const unnamed = await meta.store.sites.create({ domain: 'https://www.Unnamed-Site.example/' });
    expect(unnamed.name).toBe('unnamed-site.example');
    expect(unnamed.isPublic).toBe(false);
    const named = await meta.store.sites.create({ domain: 'named-site.example', name: '  Marketing site ' });
    expect(named.name).toBe('Marketing site');
    const blank = await meta.store.sites.create({ domain: 'blank-name.example', name: '   ' });
    expect(blank.name).toBe('blank-name.example');
    expect(await meta.store.sites.findById(named.id)).toEqual(named);
  });

  it('updates name, visibility, domain and time zone, validated like create', async () => {
    const site = await meta.store.sites.create({ domain: 'edit-me.example' });
    const updated = await meta.store.sites.update(site.id, {
      name: 'Shop',
      isPublic: true,
      domain: 'HTTPS://WWW.Edited.example/path',
      timezone: 'europe/paris',
    });
    expect(updated).toEqual({
      ...site,
      name: 'Shop',
      isPublic: true,
      domain: 'edited.example',
      timezone: 'Europe/Paris',
    });
    expect(await meta.store.sites.findById(site.id)).toEqual(updated);
    expect(await meta.store.sites.findByDomain('edited.example')).toEqual(updated);
    expect(await meta.store.sites.findByDomain('edit-me.example')).toBeUndefined();

    const privateAgain = await meta.store.sites.update(site.id, { isPublic: false });
    expect(privateAgain?.isPublic).toBe(false);
    expect(privateAgain?.name).toBe('Shop');
  });

  it('a blank name falls back to the domain, the new one when the domain changes too', async () => {
    const site = await meta.store.sites.create({ domain: 'fallback.example', name: 'Old name' });
    expect((await meta.store.sites.update(site.id, { name: '' }))?.name).toBe('fallback.example');
    await meta.store.sites.update(site.id, { name: 'Again' });
    const moved = await meta.store.sites.update(site.id, { name: ' ', domain: 'fallback-moved.example' });
    expect(moved?.name).toBe('fallback-moved.example');
  });

  it('an empty update returns the site unchanged', async () => {
    const site = await meta.store.sites.create({ domain: 'no-change.example' });
    expect(await meta.store.sites.update(site.id, {})).toEqual(site);
  });

  it('refuses an invalid domain or time zone and changes nothing', async () => {
    const site = await meta.store.sites.create({ domain: 'keep-valid.example', timezone: 'Asia/Tokyo' });
    await expect(meta.store.sites.update(site.id, { domain: 'not a domain', name: 'X' })).rejects.toBeInstanceOf(
      InvalidSiteError,
    );
    await expect(meta.store.sites.update(site.id, { timezone: 'Mars/Olympus' })).rejects.toMatchObject({
      name: 'InvalidSiteError',
      field: 'timezone',
    });
    // Bad input is reported as such even for a site that does not exist.
    await expect(meta.store.sites.update(999_999, { domain: '' })).rejects.toBeInstanceOf(InvalidSiteError);
    expect(await meta.store.sites.findById(site.id)).toEqual(site);
  });

  it('refuses moving a site onto a domain another site has', async () => {
    const taken = await meta.store.sites.create({ domain: 'taken-domain.example' });
    const site = await meta.store.sites.create({ domain: 'wants-taken.example' });
    await expect(meta.store.sites.update(site.id, { domain: 'www.Taken-Domain.example' })).rejects.toBeInstanceOf(
      DuplicateSiteError,
    );
    expect(await meta.store.sites.findByDomain('taken-domain.example')).toEqual(taken);
    expect(await meta.store.sites.findById(site.id)).toEqual(site);
    // Keeping its own domain is not a conflict.
    expect((await meta.store.sites.update(site.id, { domain: 'wants-taken.example' }))?.domain).toBe(
      'wants-taken.example',
    );
  });

  it('answers undefined/false for unknown or impossible ids instead of failing', async () => {
    for (const id of [987_654, 0, -3, 1.5, 2 ** 31, 2 ** 53, Number.NaN]) {
      expect(await meta.store.sites.update(id, { name: 'x' })).toBeUndefined();
      expect(await meta.store.sites.delete(id)).toBe(false);
    }
  });

  it('deletes a site with everything hanging off it, and nothing else', async () => {
    const { store } = meta;
    const owner = await meta.user();
    const doomed = await meta.site();
    const kept = await meta.site();
    for (const site of [doomed, kept]) {
      await store.members.upsert(site.id, owner.id, 'owner');
      await store.invitations.create({
        siteId: site.id,
        email: `${unique('invitee')}@example.com`,
        role: 'viewer',
        tokenHash: unique('invite-hash'),
        invitedBy: owner.id,
        expiresAt: new Date(Date.now() + 86_400_000),
      });
      await store.shareLinks.create({ siteId: site.id, slug: unique('slug'), name: 'Board', passwordHash: null });
      await store.ingestKeys.create({
        siteId: site.id,
        name: 'Backend',
        lookupId: unique('lookup'),
        hash: unique('ingest-hash'),
        expiresAt: null,
        rateLimitPerMinute: 600,
        createdBy: owner.id,
      });
      await store.shields.create({ siteId: site.id, kind: 'ip', value: '10.0.0.0/8', description: 'office' });
      await store.goals.create({
        siteId: site.id,
        kind: 'event',
        pathPattern: null,
        eventName: 'Signup',
        displayName: 'Signup',
      });
      await store.funnels.create({ siteId: site.id, name: 'Onboarding', steps: ['Visit', 'Signup'] });
      await store.audit.append({
        userId: owner.id,
        siteId: site.id,
        action: 'site.created',
        ip: '192.0.2.1',
        country: 'DE',
        userAgent: 'test',
        details: {},
      });
    }

    expect(await store.sites.delete(doomed.id)).toBe(true);
    expect(await store.sites.delete(doomed.id)).toBe(false);

    expect(await store.sites.findById(doomed.id)).toBeUndefined();
    expect(await store.members.find(doomed.id, owner.id)).toBeUndefined();
    expect(await store.invitations.listPendingForSite(doomed.id, new Date())).toEqual([]);
    expect(await store.shareLinks.listForSite(doomed.id)).toEqual([]);
    expect(await store.ingestKeys.listForSite(doomed.id)).toEqual([]);
    expect(await store.shields.listForSite(doomed.id)).toEqual([]);
    expect(await store.goals.listForSite(doomed.id)).toEqual([]);
    expect(await store.funnels.listForSite(doomed.id)).toEqual([]);
    expect((await store.members.listSitesForUser(owner.id)).map((entry) => entry.site.id)).toEqual([kept.id]);

    // The account's security log survives; the entry just no longer points at the deleted site.
    const log = await store.audit.listForUser(owner.id);
    expect(log.map((entry) => entry.siteId).sort()).toEqual([kept.id, null].sort());

    // The other site and the user are untouched.
    expect(await store.users.findById(owner.id)).toBeDefined();
    expect(await store.members.find(kept.id, owner.id)).toMatchObject({ role: 'owner' });
    expect(await store.invitations.listPendingForSite(kept.id, new Date())).toHaveLength(1);
    expect(await store.shareLinks.listForSite(kept.id)).toHaveLength(1);
    expect(await store.ingestKeys.listForSite(kept.id)).toHaveLength(1);
    expect(await store.shields.listForSite(kept.id)).toHaveLength(1);
    expect(await store.goals.listForSite(kept.id)).toHaveLength(1);
    expect(await store.funnels.listForSite(kept.id)).toHaveLength(1);
  });

  it('never reuses the id of a deleted site (its events keep that site_id)', async () => {
    const first = await meta.site();
    await meta.store.sites.delete(first.id);
    const second = await meta.site();
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('a domain freed by deletion can be used again', async () => {
    const domain = `${unique('reuse')}.example`;
    const site = await meta.store.sites.create({ domain });
    await meta.store.sites.delete(site.id);
    const again = await meta.store.sites.create({ domain });
    expect(again.domain).toBe(domain);
    expect(again.id).not.toBe(site.id);
  });
});
