import { describe, expect, it } from 'vitest';
import type { Site } from '../../domain/site.js';
import { createSiteResolver, MAX_SITES_PER_EVENT, type SiteLookup } from './resolve-site.js';

const PUBLIC_ID = '0b1f7a2e-5c3d-4e6f-8a9b-0c1d2e3f4a5b';

function site(id: number, domain: string, publicId = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`): Site {
  return { id, domain, publicId, timezone: 'UTC', createdAt: new Date(0) };
}

/** An in-memory site repository that counts its lookups. */
function fakeSites(list: Site[]) {
  const calls = { byDomain: 0, byPublicId: 0, byId: 0 };
  const sites: SiteLookup = {
    async findByDomain(domain) {
      calls.byDomain++;
      return list.find((s) => s.domain === domain);
    },
    async findByPublicId(publicId) {
      calls.byPublicId++;
      return list.find((s) => s.publicId === publicId);
    },
    async findById(id) {
      calls.byId++;
      return list.find((s) => s.id === id);
    },
  };
  return { sites, calls };
}

function setup(list: Site[] = [site(1, 'example.com', PUBLIC_ID), site(2, 'rollup.example')]) {
  let now = 1_000_000;
  const { sites, calls } = fakeSites(list);
  const resolver = createSiteResolver({ sites, clock: () => now, ttlMs: 60_000, maxEntries: 100 });
  return { resolver, calls, advance: (ms: number) => (now += ms) };
}

const event = (extra: object) => ({ name: 'pageview', url: 'https://example.com/', ...extra });

describe('resolve site', () => {
  it('fans out to every listed domain, one result each, unknown ones dropped', async () => {
    const { resolver } = setup();
    const results = await resolver.resolve(
      event({ domains: ['example.com', 'nobody.example', 'rollup.example'] }),
      'example.com',
    );
    expect(results.map((r) => (r.ok ? r.site.id : r.reason))).toEqual([1, 'unknown_site', 2]);
    const unknown = results[1];
    expect(unknown?.ok === false && unknown.detail).toMatch(/nobody\.example/);
  });

  it('normalises domains as sites are stored (case, www., scheme, port)', async () => {
    const { resolver } = setup();
    const results = await resolver.resolve(event({ domains: ['WWW.Example.com'] }), 'x');
    expect(results).toEqual([{ ok: true, site: expect.objectContaining({ id: 1 }) }]);
    expect(await resolver.resolve(event({ domains: ['not a domain!'] }), 'x')).toEqual([
      { ok: false, reason: 'unknown_site', detail: '"not a domain!" is not a domain' },
    ]);
  });

  it('records an event once per site even when two names lead to it', async () => {
    const { resolver } = setup();
    const results = await resolver.resolve(event({ domains: ['example.com', 'www.example.com'] }), 'x');
    expect(results).toHaveLength(1);
  });

  it("falls back to the page's hostname when no domain is given", async () => {
    const { resolver } = setup();
    expect(await resolver.resolve(event({}), 'www.example.com')).toEqual([
      { ok: true, site: expect.objectContaining({ id: 1 }) },
    ]);
  });

  it('finds sites by public id (Umami) and by id (API keys)', async () => {
    const { resolver } = setup();
    expect(await resolver.resolve(event({ sitePublicId: PUBLIC_ID.toUpperCase() }), 'x')).toEqual([
      { ok: true, site: expect.objectContaining({ id: 1 }) },
    ]);
    expect(await resolver.resolve(event({ siteId: 2 }), 'x')).toEqual([
      { ok: true, site: expect.objectContaining({ id: 2 }) },
    ]);
    expect((await resolver.resolve(event({ siteId: 99 }), 'x'))[0]).toMatchObject({
      ok: false,
      reason: 'unknown_site',
    });
    expect((await resolver.resolve(event({ siteId: -1 }), 'x'))[0]).toMatchObject({
      ok: false,
      reason: 'unknown_site',
    });
  });

  it('caches hits and misses for the TTL, then asks again', async () => {
    const { resolver, calls, advance } = setup();
    for (let i = 0; i < 5; i++) {
      await resolver.resolve(event({ domains: ['example.com'] }), 'x');
      await resolver.resolve(event({ domains: ['unknown.example'] }), 'x');
    }
    expect(calls.byDomain).toBe(2);
    advance(60_001);
    await resolver.resolve(event({ domains: ['unknown.example'] }), 'x');
    expect(calls.byDomain).toBe(3);
  });

  it('finds a site registered after a miss once the negative entry expires', async () => {
    const list: Site[] = [];
    const { sites } = fakeSites(list);
    let now = 0;
    const resolver = createSiteResolver({ sites, clock: () => now });
    expect((await resolver.resolve(event({ domains: ['new.example'] }), 'x'))[0]?.ok).toBe(false);
    list.push(site(7, 'new.example'));
    expect((await resolver.resolve(event({ domains: ['new.example'] }), 'x'))[0]?.ok).toBe(false);
    now += 61_000;
    expect((await resolver.resolve(event({ domains: ['new.example'] }), 'x'))[0]?.ok).toBe(true);
  });

  it('shares one lookup between concurrent events', async () => {
    const { resolver, calls } = setup();
    await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(event({ domains: ['example.com'] }), 'x')));
    expect(calls.byDomain).toBe(1);
  });

  it('keeps the cache bounded', async () => {
    const { sites, calls } = fakeSites([site(1, 'example.com')]);
    const resolver = createSiteResolver({ sites, clock: () => 0, maxEntries: 3 });
    await resolver.resolve(event({ domains: ['example.com'] }), 'x');
    for (let i = 0; i < 5; i++) await resolver.resolve(event({ domains: [`spam${i}.example`] }), 'x');
    await resolver.resolve(event({ domains: ['example.com'] }), 'x');
    // example.com was evicted by the flood of unknown domains, so it was looked up again
    expect(calls.byDomain).toBe(7);
  });

  it(`considers at most ${MAX_SITES_PER_EVENT} domains per event`, async () => {
    const { resolver } = setup();
    const domains = Array.from({ length: 50 }, (_, i) => `d${i}.example`);
    expect(await resolver.resolve(event({ domains }), 'x')).toHaveLength(MAX_SITES_PER_EVENT);
  });

  it('does not cache a failed lookup', async () => {
    let fail = true;
    const resolver = createSiteResolver({
      sites: {
        findByDomain: async () => {
          if (fail) throw new Error('database down');
          return site(1, 'example.com');
        },
        findByPublicId: async () => undefined,
        findById: async () => undefined,
      },
      clock: () => 0,
    });
    await expect(resolver.resolve(event({ domains: ['example.com'] }), 'x')).rejects.toThrow('database down');
    fail = false;
    expect((await resolver.resolve(event({ domains: ['example.com'] }), 'x'))[0]?.ok).toBe(true);
  });
});
