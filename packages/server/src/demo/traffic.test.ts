import UAParser from 'ua-parser-js';
import { describe, expect, it } from 'vitest';
import { type GeneratedEvent, generateTraffic } from './traffic.js';

const DAY = 86_400_000;
const END = Date.UTC(2026, 10, 21, 9, 30); // deliberately not midnight: ranges need not align to days
const DOMAIN = 'demo.example';

function collect(options: Partial<Parameters<typeof generateTraffic>[0]> = {}): GeneratedEvent[] {
  return [...generateTraffic({ domain: DOMAIN, days: 14, endMs: END, seed: 11, ...options })];
}

// Two weeks at the default rate, generated once: ~40 k events, well under a second.
const twoWeeks = collect();

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Sessions as Sightline defines them: one IP + user agent, a new session after 30 minutes of silence. */
function sessions(events: readonly GeneratedEvent[]): { pageviews: number; interactive: boolean }[] {
  const open = new Map<string, { last: number; pageviews: number; interactive: boolean }>();
  const done: { pageviews: number; interactive: boolean }[] = [];
  for (const { raw, ctx } of events) {
    const ts = raw.timestamp as number;
    const key = `${ctx.ip}|${ctx.userAgent}`;
    let session = open.get(key);
    if (session === undefined || ts - session.last > 30 * 60_000) {
      if (session !== undefined) done.push(session);
      session = { last: ts, pageviews: 0, interactive: false };
      open.set(key, session);
    }
    session.last = ts;
    if (raw.name === 'pageview') session.pageviews++;
    else if (raw.interactive !== false) session.interactive = true;
  }
  return [...done, ...open.values()].filter((s) => s.pageviews > 0);
}

describe('generateTraffic', () => {
  it('produces the same events for the same seed and different ones for another seed', () => {
    const a = collect({ days: 2 });
    expect(JSON.stringify(collect({ days: 2 }))).toBe(JSON.stringify(a));
    expect(JSON.stringify(collect({ days: 2, seed: 12 }))).not.toBe(JSON.stringify(a));
  });

  it('yields events in timestamp order, all inside the requested range', () => {
    const timestamps = twoWeeks.map((e) => e.raw.timestamp as number);
    const outOfOrder = timestamps.filter(
      (ts, i) => !Number.isInteger(ts) || (i > 0 && ts < (timestamps[i - 1] as number)),
    );
    expect(outOfOrder).toEqual([]);
    expect(timestamps[0]).toBeGreaterThanOrEqual(END - 14 * DAY);
    expect(timestamps.at(-1)).toBeLessThan(END);
  });

  it('sizes two weeks at the default rate like a small real site', () => {
    const pageviews = twoWeeks.filter((e) => e.raw.name === 'pageview').length;
    expect(twoWeeks.length).toBeGreaterThan(14 * 1600); // 90 days lands in the 150–400 k range the demo expects
    expect(twoWeeks.length).toBeLessThan(14 * 4500);
    expect(pageviews / 14).toBeGreaterThan(1000);
  });

  it('scales with visitorsPerDay', () => {
    const small = collect({ days: 3, visitorsPerDay: 100 }).length;
    const large = collect({ days: 3, visitorsPerDay: 400 }).length;
    expect(large / small).toBeGreaterThan(3);
    expect(large / small).toBeLessThan(5);
  });

  it('has a bounce share between 40% and 55%', () => {
    const all = sessions(twoWeeks);
    const bounces = all.filter((s) => s.pageviews === 1 && !s.interactive).length;
    expect(bounces / all.length).toBeGreaterThan(0.4);
    expect(bounces / all.length).toBeLessThan(0.55);
    expect(Math.max(...all.map((s) => s.pageviews))).toBeGreaterThanOrEqual(8);
  });

  it('mixes devices like a desktop-leaning site, with screens that fit the device', () => {
    const counts = { desktop: 0, mobile: 0, tablet: 0 };
    const deviceOf = new Map<string, keyof typeof counts>();
    const misfits: unknown[] = [];
    for (const { raw, ctx } of twoWeeks) {
      if (raw.name !== 'pageview') continue;
      let device = deviceOf.get(ctx.userAgent);
      if (device === undefined) {
        device = (new UAParser(ctx.userAgent).getDevice().type ?? 'desktop') as keyof typeof counts;
        deviceOf.set(ctx.userAgent, device);
      }
      counts[device]++;
      const width = raw.screenWidth as number;
      const fits =
        (device === 'mobile' ? width < 500 : device === 'desktop' ? width >= 1280 : width >= 600) &&
        (raw.viewportWidth as number) <= width;
      if (!fits) misfits.push({ device, width, viewport: raw.viewportWidth });
    }
    expect(misfits).toEqual([]);
    const total = counts.desktop + counts.mobile + counts.tablet;
    expect(counts.desktop / total).toBeGreaterThan(0.5);
    expect(counts.desktop / total).toBeLessThan(0.7);
    expect(counts.mobile / total).toBeGreaterThan(0.28);
    expect(counts.mobile / total).toBeLessThan(0.45);
    expect(counts.tablet / total).toBeGreaterThan(0.01);
    expect(counts.tablet / total).toBeLessThan(0.06);
  });

  it('uses absolute http(s) URLs on the site domain and absolute referrers (or none)', () => {
    const bad = twoWeeks.filter(({ raw }) => {
      const url = parseUrl(raw.url as string);
      const referrer = raw.referrer as string | undefined;
      const referrerOk = !referrer || ['http:', 'https:'].includes(parseUrl(referrer)?.protocol ?? '');
      return url?.protocol !== 'https:' || url.hostname !== DOMAIN || !referrerOk;
    });
    expect(bad.map((e) => [e.raw.url, e.raw.referrer])).toEqual([]);
  });

  it('addresses the site and carries an import context with the visitor IP and user agent', () => {
    const bad = twoWeeks.filter(
      ({ raw, ctx }) =>
        raw.domains?.length !== 1 ||
        raw.domains[0] !== DOMAIN ||
        ctx.source !== 'import' ||
        !/^\d{1,3}(\.\d{1,3}){3}$/.test(ctx.ip) ||
        ctx.userAgent.length < 20 ||
        ctx.headers['user-agent'] !== ctx.userAgent ||
        ctx.receivedAt !== raw.timestamp,
    );
    expect(bad).toEqual([]);
  });

  it('mixes search, social, community, newsletter, paid and direct entrances', () => {
    const landings = twoWeeks.filter(
      (e) => e.raw.name === 'pageview' && !String(e.raw.referrer ?? '').startsWith(`https://${DOMAIN}`),
    );
    const share = (test: (e: GeneratedEvent) => boolean) => landings.filter(test).length / landings.length;
    const referrerIs = (prefix: string) => (e: GeneratedEvent) => String(e.raw.referrer ?? '').startsWith(prefix);
    expect(share((e) => !e.raw.referrer && !String(e.raw.url).includes('utm_'))).toBeGreaterThan(0.2);
    expect(share(referrerIs('https://www.google.'))).toBeGreaterThan(0.2);
    for (const prefix of [
      'https://www.bing.com/',
      'https://duckduckgo.com/',
      'https://news.ycombinator.com/',
      'https://t.co/',
      'https://github.com/',
    ]) {
      expect(share(referrerIs(prefix)), prefix).toBeGreaterThan(0.005);
    }
    expect(share((e) => /utm_medium=email/.test(String(e.raw.url)))).toBeGreaterThan(0.01);
    expect(
      share((e) => /gclid=.*/.test(String(e.raw.url)) && /utm_medium=cpc/.test(String(e.raw.url))),
    ).toBeGreaterThan(0.01);
  });

  it('has fewer visitors at weekends and grows over the range', () => {
    const quarter = collect({ days: 56, visitorsPerDay: 200, endMs: Date.UTC(2026, 10, 23) });
    const byDay = new Map<number, number>();
    for (const { raw } of quarter) {
      if (raw.name !== 'pageview') continue;
      const day = Math.floor((raw.timestamp as number) / DAY);
      byDay.set(day, (byDay.get(day) ?? 0) + 1);
    }
    const days = [...byDay.entries()].sort((a, b) => a[0] - b[0]);
    const weekend = days.filter(([d]) => [0, 6].includes(new Date(d * DAY).getUTCDay())).map(([, n]) => n);
    const weekdays = days.filter(([d]) => ![0, 6].includes(new Date(d * DAY).getUTCDay())).map(([, n]) => n);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    expect(median(weekend)).toBeLessThan(median(weekdays) * 0.8);
    expect(median(days.slice(-14).map(([, n]) => n))).toBeGreaterThan(median(days.slice(0, 14).map(([, n]) => n)));
  });

  it('emits engagement after pageviews and custom events with their properties at realistic rates', () => {
    const byName = (name: string) => twoWeeks.filter((e) => e.raw.name === name);
    const pageviews = byName('pageview').length;
    const engagement = byName('engagement');
    expect(engagement.length / pageviews).toBeGreaterThan(0.8);
    const badEngagement = engagement.filter(
      ({ raw }) =>
        raw.interactive !== false ||
        !((raw.engagementMs as number) > 0) ||
        !((raw.scrollDepth as number) >= 0 && (raw.scrollDepth as number) <= 100),
    );
    expect(badEngagement).toEqual([]);
    const visits = sessions(twoWeeks).length;
    const signups = byName('Signup');
    expect(signups.length / visits).toBeGreaterThan(0.005);
    expect(signups.length / visits).toBeLessThan(0.04);
    for (const { raw } of signups)
      expect(['free', 'starter', 'business']).toContain((raw.props as { plan: string }).plan);
    const purchases = byName('Purchase');
    expect(purchases.length).toBeGreaterThan(0);
    expect(purchases.length).toBeLessThan(signups.length);
    for (const { raw } of purchases) {
      const revenue = raw.revenue as { amount: number; currency: string };
      expect(revenue.currency).toBe('USD');
      expect(revenue.amount).toBeGreaterThan(0);
    }
    for (const name of ['Outbound Link: Click', 'File Download']) {
      const events = byName(name);
      expect(events.length, name).toBeGreaterThan(0);
      for (const { raw } of events) expect(new URL((raw.props as { url: string }).url).protocol).toBe('https:');
    }
  });

  it('yields nothing for zero days and refuses options out of range', () => {
    expect(collect({ days: 0 })).toEqual([]);
    expect(() => generateTraffic({ domain: DOMAIN, days: -1, endMs: END, seed: 1 })).toThrow(RangeError);
    expect(() => generateTraffic({ domain: DOMAIN, days: 1e9, endMs: END, seed: 1 })).toThrow(RangeError);
    expect(() => generateTraffic({ domain: 'not a domain/', days: 1, endMs: END, seed: 1 })).toThrow(RangeError);
    expect(() => generateTraffic({ domain: DOMAIN, days: 1, endMs: Number.NaN, seed: 1 })).toThrow(RangeError);
    expect(() => generateTraffic({ domain: DOMAIN, days: 1, endMs: END, seed: 1, visitorsPerDay: -5 })).toThrow(
      RangeError,
    );
  });
});
