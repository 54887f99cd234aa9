import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApiEventItem, MAX_PAST_MS, parseApiEvents } from './api-events.js';

const NOW = Date.UTC(2026, 2, 1, 12);
const options = { siteId: 7, receivedAt: NOW };
const page = { name: 'pageview', url: 'https://app.example.com/settings' };

function single(event: unknown): ApiEventItem {
  const parsed = parseApiEvents(event, options);
  if (!parsed.ok) throw new Error(parsed.error);
  const [item] = parsed.items;
  if (item === undefined) throw new Error('no item');
  return item;
}

function detailOf(event: unknown): string {
  const item = single(event);
  if (item.ok) throw new Error('expected a drop');
  return item.detail;
}

describe('parseApiEvents', () => {
  it('maps every documented field onto the pipeline event, for the key’s site', () => {
    const item = single({
      name: 'signup',
      url: 'https://app.example.com/welcome?plan=pro',
      timestamp: '2026-03-01T11:00:00.250Z',
      referrer: 'https://news.example/',
      title: 'Welcome',
      props: { plan: 'pro', seats: 3, trial: false },
      revenue: { amount: 49.5, currency: 'eur' },
      user_id: 12345,
      user_agent: 'Mozilla/5.0 (iPhone)',
      ip: ' 2001:db8::7 ',
      screen: { width: 390, height: 844 },
      language: 'de-DE',
      timezone: 'Europe/Berlin',
      domain: 'someone-else.example',
    });
    expect(item).toEqual({
      index: 0,
      ok: true,
      raw: {
        siteId: 7,
        name: 'signup',
        url: 'https://app.example.com/welcome?plan=pro',
        timestamp: Date.UTC(2026, 2, 1, 11, 0, 0, 250),
        referrer: 'https://news.example/',
        title: 'Welcome',
        props: { plan: 'pro', seats: 3, trial: false },
        revenue: { amount: 49.5, currency: 'EUR' },
        userId: '12345',
        userAgent: 'Mozilla/5.0 (iPhone)',
        ip: '2001:db8::7',
        screenWidth: 390,
        screenHeight: 844,
        language: 'de-DE',
        timezone: 'Europe/Berlin',
      },
    });
    // the body cannot choose a site
    if (item.ok) expect(item.raw.domains).toBeUndefined();
  });

  it('takes a batch and reports each bad event by its index, keeping the good ones', () => {
    const parsed = parseApiEvents({ events: [page, { url: page.url }, page, 'nope'] }, options);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.items.map((item) => (item.ok ? `ok ${item.index}` : `${item.index}: ${item.detail}`))).toEqual([
      'ok 0',
      '1: name is required',
      'ok 2',
      '3: an event must be a JSON object',
    ]);
  });

  it('refuses bodies that are neither an event nor { events }, and batches outside 1–1,000', () => {
    expect(parseApiEvents([page], options)).toMatchObject({ ok: false, status: 400 });
    expect(parseApiEvents('text', options)).toMatchObject({ ok: false, status: 400 });
    expect(parseApiEvents(undefined, options)).toMatchObject({ ok: false, status: 400 });
    expect(parseApiEvents({ events: page }, options)).toEqual({
      ok: false,
      status: 400,
      error: 'events must be an array of event objects',
    });
    expect(parseApiEvents({ events: [] }, options)).toMatchObject({ ok: false, status: 400, error: /1 to 1,000/ });
    expect(parseApiEvents({ events: Array(1001).fill(page) }, options)).toEqual({
      ok: false,
      status: 413,
      error: 'events has 1001 events; send at most 1,000 per request',
    });
    const full = parseApiEvents({ events: Array(1000).fill(page) }, options);
    expect(full.ok && full.items.length).toBe(1000);
  });

  it('requires a name and an absolute http(s) URL', () => {
    expect(detailOf({ url: page.url })).toBe('name is required');
    expect(detailOf({ name: '  ', url: page.url })).toBe('name is required');
    expect(detailOf({ name: 5, url: page.url })).toBe('name must be a string');
    expect(detailOf({ name: 'x'.repeat(121), url: page.url })).toMatch(/at most 120/);
    expect(detailOf({ name: 'engagement', url: page.url })).toMatch(/browser tracker/);
    expect(detailOf({ name: 'a' })).toBe('url is required');
    expect(detailOf({ name: 'a', url: '/settings' })).toMatch(/absolute http\(s\) URL/);
    expect(detailOf({ name: 'a', url: 'app://settings' })).toMatch(/absolute http\(s\) URL/);
    expect(detailOf({ name: 'a', url: 42 })).toBe('url must be a string');
  });

  it('accepts timestamps within 5 minutes ahead and 30 days back, as ISO 8601 or epoch ms', () => {
    const at = (timestamp: unknown) => {
      const item = single({ ...page, timestamp });
      return item.ok ? item.raw.timestamp : item.detail;
    };
    expect(at(NOW - 1000)).toBe(NOW - 1000);
    expect(at('2026-03-01T13:00:00+02:00')).toBe(Date.UTC(2026, 2, 1, 11));
    expect(at(NOW + 4 * 60_000)).toBe(NOW + 4 * 60_000);
    expect(at(NOW - MAX_PAST_MS + 1000)).toBe(NOW - MAX_PAST_MS + 1000);
    expect(at(undefined)).toBeUndefined();
    expect(at(null)).toBeUndefined();
    expect(at(NOW + 6 * 60_000)).toMatch(/more than 5 minutes in the future/);
    expect(at(NOW - MAX_PAST_MS - 1000)).toMatch(/more than 30 days in the past/);
    // seconds instead of milliseconds land in 1970: far more than 30 days back
    expect(at(Math.floor(NOW / 1000))).toMatch(/not seconds/);
    expect(at('2026-03-01 11:00')).toMatch(/ISO 8601 time with a zone/);
    expect(at('2026-03-01T11:00:00')).toMatch(/with a zone/);
    expect(at('2026-02-30T11:00:00Z')).toMatch(/not a valid date-time/);
    expect(at('2026-03-01T24:00:00Z')).toMatch(/not a valid date-time/);
    expect(at('2026-03-01T10:30+0100')).toBe(Date.UTC(2026, 2, 1, 9, 30));
    expect(at(Number.NaN)).toMatch(/epoch milliseconds/);
    expect(at(true)).toMatch(/epoch milliseconds/);
  });

  it('checks props, revenue, user_id, ip and screen, naming what to fix', () => {
    const props31 = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i]));
    expect(detailOf({ ...page, props: props31 })).toBe('props has 31 pairs; at most 30 are allowed');
    expect(detailOf({ ...page, props: ['a'] })).toMatch(/props must be an object/);
    expect(detailOf({ ...page, props: { nested: { a: 1 } } })).toBe(
      'props.nested must be a string, a number or a boolean',
    );
    expect(detailOf({ ...page, props: { big: 'x'.repeat(2001) } })).toMatch(/at most 2000/);
    expect(detailOf({ ...page, revenue: { amount: 'ten', currency: 'EUR' } })).toMatch(/revenue must be/);
    expect(detailOf({ ...page, revenue: { amount: 10, currency: 'EURO' } })).toMatch(/revenue must be/);
    expect(detailOf({ ...page, revenue: 10 })).toMatch(/revenue must be/);
    expect(detailOf({ ...page, user_id: { id: 1 } })).toMatch(/user_id must be/);
    expect(detailOf({ ...page, ip: '300.1.1.1' })).toMatch(/ip must be/);
    expect(detailOf({ ...page, screen: { width: 1.5, height: 2 } })).toMatch(/screen must be/);
    expect(detailOf({ ...page, screen: '1920x1080' })).toMatch(/screen must be/);
    expect(detailOf({ ...page, title: 42 })).toBe('title must be a string');
    expect(single({ ...page, revenue: { amount: '19.99', currency: 'usd' } })).toMatchObject({
      ok: true,
      raw: { revenue: { amount: '19.99', currency: 'USD' } },
    });
  });

  it('keeps a prop named __proto__ as an ordinary prop and never reads inherited fields', () => {
    const event = JSON.parse('{"name":"x","url":"https://a.example/","props":{"__proto__":"p","ok":1}}');
    const item = single(event);
    expect(item.ok).toBe(true);
    if (item.ok) expect(Object.keys(item.raw.props as object)).toEqual(['__proto__', 'ok']);
    expect(detailOf(Object.create({ name: 'inherited', url: page.url }))).toBe('name is required');
  });

  it('never throws on any JSON value, as a body or as an event', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseApiEvents(value, options);
        parseApiEvents({ events: [value] }, options);
      }),
      { numRuns: 2_000 },
    );
  });
});
