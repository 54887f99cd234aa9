import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../domain/event.js';
import type { RawEvent, RequestContext } from '../types.js';
import type { Drop, EventDraft } from './draft.js';
import { cleanProps, cleanRevenue, EARLIEST_TIMESTAMP, MAX_ENGAGEMENT_MS, validateEvent } from './validate.js';

const NOW = Date.UTC(2026, 2, 1, 12);
const ctx: RequestContext = {
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 test',
  headers: { 'cf-ipcountry': 'DE' },
  receivedAt: NOW,
  source: 'web',
};

function valid(raw: Partial<RawEvent>, context: RequestContext = ctx): EventDraft {
  const result = validateEvent({ name: 'pageview', url: 'https://example.com/', ...raw }, context);
  if ('ok' in result) throw new Error(`expected a draft, got drop: ${result.detail}`);
  return result;
}

function invalid(raw: Partial<RawEvent>, context: RequestContext = ctx): string | undefined {
  const result = validateEvent({ name: 'pageview', url: 'https://example.com/', ...raw } as RawEvent, context);
  if (!('ok' in result)) throw new Error('expected a drop');
  expect((result as Drop).reason).toBe('invalid');
  return result.detail;
}

describe('validate & cap', () => {
  it('splits the URL into hostname, path, query and fragment', () => {
    const { row } = valid({ url: 'https://Example.com/blog/post?utm_source=x#top' });
    expect(row).toMatchObject({ hostname: 'example.com', pathname: '/blog/post', query: 'utm_source=x', hash: 'top' });
  });

  it('keeps the fragment in the path in hashMode', () => {
    expect(valid({ url: 'https://example.com/#/settings', hashMode: 1 }).row.pathname).toBe('/#/settings');
  });

  it('drops events without a usable name or URL, naming the field', () => {
    expect(invalid({ name: undefined })).toBe('name is required');
    expect(invalid({ name: '   ' })).toBe('name is required');
    expect(invalid({ name: ['x'] })).toBe('name must be a string');
    expect(invalid({ name: 'x'.repeat(LIMITS.eventName + 1) })).toBe('name must be at most 120 characters');
    expect(invalid({ url: undefined })).toBe('url is required');
    expect(invalid({ url: 5 })).toBe('url must be a string');
    expect(invalid({ url: 'javascript:alert(1)' })).toBe('url must be an absolute http(s) URL');
    expect(invalid({ url: `https://example.com/${'a'.repeat(LIMITS.url)}` })).toBe(
      'url must be at most 4000 characters',
    );
  });

  it('accepts a name of exactly 120 characters', () => {
    expect(valid({ name: 'x'.repeat(LIMITS.eventName) }).row.name).toHaveLength(LIMITS.eventName);
  });

  it('cuts long text fields to their caps instead of dropping the event', () => {
    const { row } = valid({
      url: `https://example.com/${'p'.repeat(3000)}`,
      title: 't'.repeat(600),
      referrer: `https://ref.example/${'r'.repeat(3000)}`,
      language: 'l'.repeat(100),
      timezone: 'z'.repeat(100),
      userId: 'u'.repeat(300),
    });
    expect(row.pathname.length).toBe(LIMITS.pathname);
    expect(row.title.length).toBe(LIMITS.title);
    expect(row.referrer.length).toBe(LIMITS.referrer);
    expect(row.language.length).toBe(LIMITS.language);
    expect(row.timezone.length).toBe(LIMITS.timezone);
    expect(row.user_id.length).toBe(LIMITS.userId);
  });

  it('keeps screen sizes that are whole numbers 0–65535 and zeroes the rest', () => {
    const { row } = valid({ screenWidth: 1920, screenHeight: '1080', viewportWidth: 70_000, viewportHeight: -1 });
    expect(row).toMatchObject({ screen_w: 1920, screen_h: 1080, viewport_w: 0, viewport_h: 0 });
    expect(valid({ screenWidth: 'wide', screenHeight: Number.NaN }).row).toMatchObject({ screen_w: 0, screen_h: 0 });
  });

  it('uses the receive time for browsers, and the sent timestamp for imports and API events', () => {
    const past = NOW - 3_600_000;
    expect(valid({ timestamp: past }).row.ts).toBe(NOW);
    expect(valid({ timestamp: past }, { ...ctx, source: 'api' }).row.ts).toBe(past);
    expect(valid({ timestamp: '2026-03-01T11:00:00Z' }, { ...ctx, source: 'import' }).row.ts).toBe(
      Date.UTC(2026, 2, 1, 11),
    );
    expect(valid({}, { ...ctx, source: 'api' }).row.ts).toBe(NOW);
    expect(invalid({ timestamp: NOW + 3_600_000 }, { ...ctx, source: 'api' })).toMatch(/future/);
    expect(invalid({ timestamp: 1_700_000_000 }, { ...ctx, source: 'import' })).toMatch(/after 2000-01-01/);
    expect(invalid({ timestamp: 'yesterday' }, { ...ctx, source: 'api' })).toMatch(/^timestamp must be/);
    expect(valid({ timestamp: EARLIEST_TIMESTAMP }, { ...ctx, source: 'import' }).row.ts).toBe(EARLIEST_TIMESTAMP);
  });

  it('marks events interactive by default and engagement events not', () => {
    expect(valid({}).row.interactive).toBe(1);
    expect(valid({ interactive: false }).row.interactive).toBe(0);
    expect(valid({ name: 'engagement', engagementMs: 10 }).row.interactive).toBe(0);
  });

  it('clamps engagement: scroll depth to 0–100, time to 30 minutes', () => {
    const { row } = valid({
      name: 'engagement',
      scrollDepth: 140,
      engagementMs: 2 * MAX_ENGAGEMENT_MS,
      visibilityChanges: 3,
    });
    expect(row).toMatchObject({ scroll_depth: 100, engagement_ms: MAX_ENGAGEMENT_MS, visibility_changes: 3 });
    expect(valid({ name: 'engagement', scrollDepth: '40' }).row).toMatchObject({ scroll_depth: 40, engagement_ms: 0 });
    expect(invalid({ name: 'engagement' })).toMatch(/scroll_depth \(sd\) or engagement_time \(e\)/);
    expect(invalid({ name: 'engagement', scrollDepth: -5, engagementMs: 'x' })).toMatch(/scroll_depth/);
    // other events never carry engagement figures
    expect(valid({ scrollDepth: 50, engagementMs: 1000 }).row).toMatchObject({ scroll_depth: 0, engagement_ms: 0 });
  });

  it('lets only imports and API events name their own client, and then ignores request headers', () => {
    const raw = { userAgent: 'Custom UA/1.0 (server side)', ip: '198.51.100.7' };
    expect(valid(raw).client).toEqual({ ip: ctx.ip, userAgent: ctx.userAgent, headers: ctx.headers });
    expect(valid(raw, { ...ctx, source: 'api' }).client).toEqual({
      ip: '198.51.100.7',
      userAgent: raw.userAgent,
      headers: {},
    });
    expect(valid({ ip: 'not an ip' }, { ...ctx, source: 'api' }).client.ip).toBe(ctx.ip);
  });

  it('caps the user agent used for parsing and hashing', () => {
    expect(valid({}, { ...ctx, userAgent: 'A'.repeat(10_000) }).client.userAgent.length).toBeLessThanOrEqual(1024);
  });
});

describe('props', () => {
  it('keeps strings, numbers and booleans as text and drops everything else, as Plausible does', () => {
    expect(
      cleanProps({
        a: 'x',
        b: 2,
        c: true,
        d: null,
        e: [1],
        f: { g: 1 },
        h: '',
        i: '   ',
        ' ': 'blank key',
        j: Number.NaN,
      }),
    ).toEqual({
      a: 'x',
      b: '2',
      c: 'true',
    });
  });

  it('accepts props as a JSON string', () => {
    expect(cleanProps('{"plan":"pro","seats":3}')).toEqual({ plan: 'pro', seats: '3' });
    expect(cleanProps('{broken')).toEqual({});
    expect(cleanProps('[1,2]')).toEqual({});
  });

  it('keeps the first 30 pairs and caps keys and values', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, `v${i}`]));
    const kept = cleanProps(many);
    expect(Object.keys(kept)).toHaveLength(LIMITS.props);
    expect(kept.k0).toBe('v0');
    expect(kept.k29).toBe('v29');
    expect(kept.k30).toBeUndefined();
    const long = cleanProps({ ['k'.repeat(400)]: 'v'.repeat(3000) });
    const [key, value] = Object.entries(long)[0]!;
    expect(key).toHaveLength(LIMITS.propKey);
    expect(value).toHaveLength(LIMITS.propValue);
  });

  it('treats __proto__ as an ordinary key', () => {
    const props = cleanProps(JSON.parse('{"__proto__":"x","a":"1"}'));
    expect(Object.getPrototypeOf(props)).toBe(Object.prototype);
    expect(Object.keys(props).sort()).toEqual(['__proto__', 'a']);
  });
});

describe('revenue', () => {
  it('accepts a finite amount and a 3-letter currency, upper-cased', () => {
    expect(cleanRevenue({ amount: 12.5, currency: 'eur' })).toEqual({ amount: '12.5', currency: 'EUR' });
    expect(cleanRevenue({ amount: '1999.99', currency: 'USD' })).toEqual({ amount: '1999.99', currency: 'USD' });
    expect(cleanRevenue('{"amount":"10","currency":"GBP"}')).toEqual({ amount: '10', currency: 'GBP' });
    expect(cleanRevenue({ amount: 0.1 + 0.2, currency: 'USD' })).toEqual({ amount: '0.3', currency: 'USD' });
    expect(cleanRevenue({ amount: -5, currency: 'USD' })).toEqual({ amount: '-5', currency: 'USD' });
    expect(cleanRevenue({ amount: '1.234567', currency: 'USD' })?.amount).toBe('1.2345');
  });

  it('ignores revenue it cannot store exactly', () => {
    expect(cleanRevenue({ amount: 'ten', currency: 'USD' })).toBeUndefined();
    expect(cleanRevenue({ amount: 10, currency: 'EURO' })).toBeUndefined();
    expect(cleanRevenue({ amount: 10 })).toBeUndefined();
    expect(cleanRevenue({ amount: 1e20, currency: 'USD' })).toBeUndefined();
    expect(cleanRevenue({ amount: '1e3', currency: 'USD' })).toBeUndefined();
    expect(cleanRevenue('not json')).toBeUndefined();
    expect(cleanRevenue(42)).toBeUndefined();
  });

  it('puts valid revenue on the row and leaves it null otherwise', () => {
    expect(valid({ revenue: { amount: 3, currency: 'usd' } }).row).toMatchObject({
      revenue_amount: '3',
      revenue_currency: 'USD',
    });
    expect(valid({ revenue: { amount: 'x', currency: 'usd' } }).row).toMatchObject({
      revenue_amount: null,
      revenue_currency: '',
    });
  });
});
