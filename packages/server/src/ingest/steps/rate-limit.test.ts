import { describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../../storage/state/memory.js';
import { clientRateKey, createRateLimiter } from './rate-limit.js';

function setup(limits: { perIpPerMinute: number; perSitePerMinute: number }) {
  let now = Date.UTC(2026, 2, 1, 12, 0, 0);
  const state = createMemoryStateStore({ now: () => now, sweepIntervalMs: 0 });
  const limiter = createRateLimiter({ state, clock: () => now, limits });
  return { limiter, state, advance: (ms: number) => (now += ms) };
}

describe('rate limits', () => {
  it('drops a client over its per-minute limit, and lets it in again next minute', async () => {
    const { limiter, advance } = setup({ perIpPerMinute: 3, perSitePerMinute: 0 });
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push((await limiter.checkClient('k1'))?.reason);
    expect(verdicts).toEqual([undefined, undefined, undefined, 'rate_limited_ip', 'rate_limited_ip']);
    expect(await limiter.checkClient('k2')).toBeUndefined();
    advance(60_000);
    expect(await limiter.checkClient('k1')).toBeUndefined();
  });

  it('drops events for a site over its per-minute limit', async () => {
    const { limiter } = setup({ perIpPerMinute: 0, perSitePerMinute: 2 });
    expect(await limiter.checkSite(1)).toBeUndefined();
    expect(await limiter.checkSite(1)).toBeUndefined();
    expect(await limiter.checkSite(1)).toMatchObject({ ok: false, reason: 'rate_limited_site' });
    expect(await limiter.checkSite(2)).toBeUndefined();
  });

  it('counts nothing when a limit is 0 (off)', async () => {
    const { limiter, state } = setup({ perIpPerMinute: 0, perSitePerMinute: 0 });
    for (let i = 0; i < 100; i++) {
      expect(await limiter.checkClient('k')).toBeUndefined();
      expect(await limiter.checkSite(1)).toBeUndefined();
    }
    expect(state.size).toBe(0);
  });

  it('counts clients under a keyed hash, never the IP itself', async () => {
    const salt = Buffer.alloc(32, 7);
    const key = clientRateKey(salt, '203.0.113.9');
    expect(key).not.toContain('203');
    expect(key).toBe(clientRateKey(salt, '203.0.113.9'));
    expect(key).not.toBe(clientRateKey(Buffer.alloc(32, 8), '203.0.113.9'));
  });
});
