import { describe, expect, it } from 'vitest';
import { buildRequestPool } from './request-mix.js';

describe('buildRequestPool', () => {
  const pool = buildRequestPool({ domain: 'bench.example', size: 2000, visitors: 300, seed: 1 });

  it('builds Plausible pageview bodies for the site with absolute URLs', () => {
    for (const request of pool) {
      const body = JSON.parse(request.body.toString()) as { n: string; u: string; d: string; r: string | null };
      expect(body.n).toBe('pageview');
      expect(body.d).toBe('bench.example');
      expect(new URL(body.u).hostname).toBe('bench.example');
      if (body.r !== null) expect(new URL(body.r).protocol).toBe('https:');
    }
  });

  it('varies visitors, pages and referrers', () => {
    const distinct = (f: (r: (typeof pool)[number]) => string) => new Set(pool.map(f)).size;
    expect(distinct((r) => r.headers['x-forwarded-for'] ?? '')).toBeGreaterThan(250);
    expect(distinct((r) => r.headers['user-agent'] ?? '')).toBeGreaterThan(30);
    expect(distinct((r) => JSON.parse(r.body.toString()).u)).toBeGreaterThan(40);
    expect(distinct((r) => String(JSON.parse(r.body.toString()).r))).toBeGreaterThan(20);
  });

  it('is the same pool for the same seed', () => {
    const again = buildRequestPool({ domain: 'bench.example', size: 2000, visitors: 300, seed: 1 });
    expect(again.map((r) => r.body.toString())).toEqual(pool.map((r) => r.body.toString()));
  });
});
