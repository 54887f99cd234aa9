import { describe, expect, it } from 'vitest';
import { DuplicateNameError } from './meta-store.js';
import { META_TEST_ENGINES, useMigratedMetaStore } from './test-engines.fixture.js';

describe.each(META_TEST_ENGINES)('goals and funnels on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  describe('goals', () => {
    it('creates pageview and event goals and lists them for their site', async () => {
      const site = await meta.site();
      const pageview = await meta.store.goals.create({
        siteId: site.id,
        kind: 'pageview',
        pathPattern: '/blog/**',
        eventName: null,
        displayName: 'Visit /blog/**',
      });
      const event = await meta.store.goals.create({
        siteId: site.id,
        kind: 'event',
        pathPattern: null,
        eventName: 'Signup',
        displayName: 'Signup',
      });
      expect(pageview).toMatchObject({ kind: 'pageview', pathPattern: '/blog/**', eventName: null });
      expect(event.createdAt).toBeInstanceOf(Date);
      expect(await meta.store.goals.listForSite(site.id)).toEqual([pageview, event]);
      expect(await meta.store.goals.findById(event.id)).toEqual(event);
      expect(await meta.store.goals.findById(1.25)).toBeUndefined();
    });

    it('refuses a second goal of the same name on one site, not on another', async () => {
      const site = await meta.site();
      const goal = { kind: 'event', pathPattern: null, eventName: 'Buy', displayName: 'Purchase' } as const;
      await meta.store.goals.create({ siteId: site.id, ...goal });
      const duplicate = meta.store.goals.create({ siteId: site.id, ...goal, eventName: 'Other' });
      await expect(duplicate).rejects.toBeInstanceOf(DuplicateNameError);
      await expect(meta.store.goals.create({ siteId: site.id, ...goal })).rejects.toMatchObject({
        kind: 'goal',
        displayName: 'Purchase',
      });
      const other = await meta.site();
      expect(await meta.store.goals.create({ siteId: other.id, ...goal })).toMatchObject({ siteId: other.id });
    });

    it('refuses a goal kind that does not exist', async () => {
      const site = await meta.site();
      await expect(
        meta.store.goals.create({
          siteId: site.id,
          kind: 'click' as 'event',
          pathPattern: null,
          eventName: 'x',
          displayName: 'x',
        }),
      ).rejects.not.toBeInstanceOf(DuplicateNameError);
    });

    it('deletes a goal, freeing its name', async () => {
      const site = await meta.site();
      const goal = { siteId: site.id, kind: 'event', pathPattern: null, eventName: 'A', displayName: 'A' } as const;
      const created = await meta.store.goals.create(goal);
      expect(await meta.store.goals.delete(created.id)).toBe(true);
      expect(await meta.store.goals.delete(created.id)).toBe(false);
      expect(await meta.store.goals.create(goal)).toMatchObject({ displayName: 'A' });
    });
  });

  describe('funnels', () => {
    it('creates a funnel with its ordered steps and lists it for its site', async () => {
      const site = await meta.site();
      const funnel = await meta.store.funnels.create({
        siteId: site.id,
        name: 'Checkout',
        steps: ['Visit /cart', 'Checkout started', 'Purchase'],
      });
      expect(funnel).toMatchObject({
        siteId: site.id,
        name: 'Checkout',
        steps: ['Visit /cart', 'Checkout started', 'Purchase'],
      });
      expect(await meta.store.funnels.findById(funnel.id)).toEqual(funnel);
      expect(await meta.store.funnels.listForSite(site.id)).toEqual([funnel]);
      expect(await meta.store.funnels.findById(2 ** 31)).toBeUndefined();
    });

    it('refuses a second funnel of the same name on one site', async () => {
      const site = await meta.site();
      await meta.store.funnels.create({ siteId: site.id, name: 'Onboarding', steps: ['a', 'b'] });
      await expect(
        meta.store.funnels.create({ siteId: site.id, name: 'Onboarding', steps: ['c', 'd'] }),
      ).rejects.toMatchObject({ name: 'DuplicateNameError', kind: 'funnel', displayName: 'Onboarding' });
      const other = await meta.site();
      await meta.store.funnels.create({ siteId: other.id, name: 'Onboarding', steps: ['a', 'b'] });
    });

    it('a goal and a funnel may share a name', async () => {
      const site = await meta.site();
      await meta.store.goals.create({
        siteId: site.id,
        kind: 'event',
        pathPattern: null,
        eventName: 'S',
        displayName: 'Same',
      });
      await meta.store.funnels.create({ siteId: site.id, name: 'Same', steps: ['Same', 'Same'] });
    });

    it('deletes a funnel once', async () => {
      const site = await meta.site();
      const funnel = await meta.store.funnels.create({ siteId: site.id, name: 'F', steps: ['a', 'b'] });
      expect(await meta.store.funnels.delete(funnel.id)).toBe(true);
      expect(await meta.store.funnels.delete(funnel.id)).toBe(false);
      expect(await meta.store.funnels.listForSite(site.id)).toEqual([]);
    });
  });
});
