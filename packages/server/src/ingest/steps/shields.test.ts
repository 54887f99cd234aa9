import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../domain/site.js';
import { createMetaStore } from '../../storage/meta/index.js';
import type { MetaStore } from '../../storage/meta/meta-store.js';
import { createMemoryStateStore } from '../../storage/state/memory.js';
import { createGeoLocator } from '../enrich/geo.js';
import { createReferrerClassifier } from '../enrich/referrer.js';
import { createSpamReferrerList } from '../enrich/spam.js';
import { createPipeline } from '../pipeline.js';
import type { RawEvent, RequestContext } from '../types.js';
import { createShieldCache, type ShieldCache } from './shields.js';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

let dataDir: string;
let meta: MetaStore;
let site: Site;
let other: Site;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sightline-shields-'));
  meta = await createMetaStore({ dataDir });
  await meta.migrate();
  site = await meta.sites.create({ domain: 'shielded.example', timezone: 'UTC' });
  other = await meta.sites.create({ domain: 'open.example', timezone: 'UTC' });
});

afterAll(async () => {
  await meta.close();
  await rm(dataDir, { recursive: true, force: true });
});

function setup(options: { ttlMs?: number } = {}) {
  let now = Date.UTC(2026, 2, 1, 12);
  const clock = () => now;
  const cache = createShieldCache({ repository: meta.shields, clock, ttlMs: options.ttlMs });
  const pipeline = createPipeline({
    sites: meta.sites,
    salts: { saltFor: async () => Buffer.alloc(32, 7) },
    state: createMemoryStateStore({ now: clock, sweepIntervalMs: 0 }),
    referrers: createReferrerClassifier(),
    spam: createSpamReferrerList([]),
    // every address is in France, as far as this test's geo database knows
    geo: createGeoLocator({ loadDatabase: () => ({ lookup: () => ({ country: 'FR' }) }) }),
    clock,
    rateLimits: { perIpPerMinute: 0, perSitePerMinute: 0 },
    shields: cache,
  });
  const ctx = (extra: Partial<RequestContext> = {}): RequestContext => ({
    ip: '198.51.100.20',
    userAgent: CHROME,
    headers: {},
    receivedAt: now,
    source: 'web',
    ...extra,
  });
  return { cache, pipeline, ctx, advance: (ms: number) => (now += ms) };
}

async function outcome(
  pipeline: ReturnType<typeof setup>['pipeline'],
  raw: Partial<RawEvent>,
  ctx: RequestContext,
): Promise<string[]> {
  const results = await pipeline.process({ name: 'pageview', url: 'https://shielded.example/', ...raw }, ctx);
  return results.map((result) => (result.ok ? `stored:${result.row.site_id}` : result.reason));
}

async function withShield(
  cache: ShieldCache,
  siteId: number,
  kind: 'ip' | 'country' | 'path' | 'hostname',
  value: string,
) {
  return cache.repository.create({ siteId, kind, value, description: '' });
}

describe('shields step in the pipeline', () => {
  it('drops events matching each kind of shield with its reason, and stores the rest', async () => {
    const { cache, pipeline, ctx } = setup();
    const created = [
      await withShield(cache, site.id, 'ip', '203.0.113.0/24'),
      await withShield(cache, site.id, 'path', '/admin/**'),
      await withShield(cache, site.id, 'hostname', '*.preview.shielded.example'),
    ];
    try {
      expect(await outcome(pipeline, {}, ctx({ ip: '203.0.113.50' }))).toEqual(['shield_ip']);
      expect(await outcome(pipeline, { url: 'https://shielded.example/admin/users' }, ctx())).toEqual(['shield_path']);
      const preview = { url: 'https://pr-3.preview.shielded.example/', domains: ['shielded.example'] };
      expect(await outcome(pipeline, preview, ctx())).toEqual(['shield_hostname']);
      expect(await outcome(pipeline, { url: 'https://shielded.example/pricing' }, ctx())).toEqual([
        `stored:${site.id}`,
      ]);
    } finally {
      for (const shield of created) await cache.repository.delete(shield.id);
    }
  });

  it('checks the API event’s own client IP, the one the visitor id is made from, not the sender’s', async () => {
    const { cache, pipeline, ctx } = setup();
    const shield = await withShield(cache, site.id, 'ip', '203.0.113.9');
    try {
      const api = ctx({ source: 'api', ip: '192.0.2.1' });
      expect(await outcome(pipeline, { siteId: site.id, ip: '203.0.113.9' }, api)).toEqual(['shield_ip']);
      expect(await outcome(pipeline, { siteId: site.id, ip: '203.0.113.10' }, api)).toEqual([`stored:${site.id}`]);
      // the sender's own address in the blocked range does not block events it sends for others
      const fromBlockedSender = ctx({ source: 'api', ip: '203.0.113.9' });
      expect(await outcome(pipeline, { siteId: site.id, ip: '198.51.100.7' }, fromBlockedSender)).toEqual([
        `stored:${site.id}`,
      ]);
    } finally {
      await cache.repository.delete(shield.id);
    }
  });

  it('drops by country, using the same country lookup as the geo step', async () => {
    const { cache, pipeline, ctx } = setup();
    const shield = await withShield(cache, site.id, 'country', 'FR');
    // a public address: documentation and private ranges have no country
    const visitor = ctx({ ip: '91.64.10.20' });
    try {
      expect(await outcome(pipeline, {}, visitor)).toEqual(['shield_country']);
    } finally {
      await cache.repository.delete(shield.id);
    }
    expect(await outcome(pipeline, {}, visitor)).toEqual([`stored:${site.id}`]);
  });

  it('applies each site’s own shields when one event is sent to several sites', async () => {
    const { cache, pipeline, ctx } = setup();
    const shield = await withShield(cache, site.id, 'path', '/private');
    try {
      const results = await outcome(
        pipeline,
        { url: 'https://shielded.example/private', domains: ['shielded.example', 'open.example'] },
        ctx(),
      );
      expect(results).toEqual(['shield_path', `stored:${other.id}`]);
    } finally {
      await cache.repository.delete(shield.id);
    }
  });

  it('runs after the bot step: a bot on a shielded IP is counted as a bot', async () => {
    const { cache, pipeline, ctx } = setup();
    const shield = await withShield(cache, site.id, 'ip', '203.0.113.9');
    try {
      const bot = ctx({ ip: '203.0.113.9', userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' });
      expect(await outcome(pipeline, {}, bot)).toEqual(['bot']);
    } finally {
      await cache.repository.delete(shield.id);
    }
  });
});

describe('createShieldCache', () => {
  it('applies a shield added or removed through its repository to the very next event', async () => {
    const { cache, pipeline, ctx } = setup({ ttlMs: 60 * 60_000 });
    expect(await outcome(pipeline, {}, ctx({ ip: '203.0.113.77' }))).toEqual([`stored:${site.id}`]);
    const shield = await withShield(cache, site.id, 'ip', '203.0.113.77');
    expect(await outcome(pipeline, {}, ctx({ ip: '203.0.113.77' }))).toEqual(['shield_ip']);
    await cache.repository.delete(shield.id);
    expect(await outcome(pipeline, {}, ctx({ ip: '203.0.113.77' }))).toEqual([`stored:${site.id}`]);
  });

  it('picks up a change made elsewhere (another node) once the TTL has passed', async () => {
    const { cache, advance } = setup({ ttlMs: 10_000 });
    expect((await cache.rulesFor(site.id)).size).toBe(0);
    // straight in the store, as another node's settings route would
    const shield = await meta.shields.create({ siteId: site.id, kind: 'country', value: 'DE', description: '' });
    try {
      expect((await cache.rulesFor(site.id)).size).toBe(0);
      advance(10_001);
      expect((await cache.rulesFor(site.id)).size).toBe(1);
    } finally {
      await meta.shields.delete(shield.id);
    }
  });

  it('answers from memory while fresh: the store is read once per site and TTL', async () => {
    let reads = 0;
    const counting = {
      ...meta.shields,
      listForSite: (siteId: number) => {
        reads++;
        return meta.shields.listForSite(siteId);
      },
    };
    const cache = createShieldCache({ repository: counting, clock: () => 0 });
    await Promise.all([cache.rulesFor(site.id), cache.rulesFor(site.id), cache.rulesFor(site.id)]);
    const cached = cache.rulesFor(site.id);
    expect(cached instanceof Promise).toBe(false);
    expect(reads).toBe(1);
  });

  it('keeps applying the last rules while the store is briefly unreachable, and fails closed with none', async () => {
    let failing = false;
    const flaky = {
      ...meta.shields,
      listForSite: async (siteId: number) => {
        if (failing) throw new Error('connection refused');
        return meta.shields.listForSite(siteId);
      },
    };
    let now = 0;
    const cache = createShieldCache({ repository: flaky, clock: () => now, ttlMs: 1_000 });
    const shield = await meta.shields.create({ siteId: site.id, kind: 'path', value: '/x', description: '' });
    try {
      expect((await cache.rulesFor(site.id)).size).toBe(1);
      failing = true;
      now += 5_000;
      expect((await cache.rulesFor(site.id)).size).toBe(1);
      await expect(Promise.resolve(cache.rulesFor(other.id))).rejects.toThrow('connection refused');
      failing = false;
      expect((await cache.rulesFor(other.id)).size).toBe(0);
    } finally {
      await meta.shields.delete(shield.id);
    }
  });
});
