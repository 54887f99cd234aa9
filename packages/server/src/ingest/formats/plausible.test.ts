import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlausibleBody } from './plausible.js';

function parsedEvent(body: unknown) {
  const parsed = parsePlausibleBody(body);
  if (!parsed.ok) throw new Error(`expected ok, got: ${parsed.error}`);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0]!;
}

function parseError(body: unknown): string {
  const parsed = parsePlausibleBody(body);
  if (parsed.ok) throw new Error('expected an error');
  return parsed.error;
}

describe('parsePlausibleBody', () => {
  it("reads the docs' example with long keys", () => {
    const event = parsedEvent({ name: 'pageview', url: 'http://dummy.site', domain: 'dummy.site' });
    expect(event).toMatchObject({ name: 'pageview', url: 'http://dummy.site', domains: ['dummy.site'] });
  });

  it("reads what Plausible's tracker sends, with short keys", () => {
    const event = parsedEvent({
      n: 'Signup',
      v: 27,
      u: 'https://example.com/pricing#plans',
      d: 'example.com',
      r: 'https://news.ycombinator.com/',
      p: { plan: 'pro', seats: 3 },
      $: { amount: 49.5, currency: 'EUR' },
      i: false,
      h: 1,
      w: 1440,
    });
    expect(event).toMatchObject({
      name: 'Signup',
      url: 'https://example.com/pricing#plans',
      domains: ['example.com'],
      referrer: 'https://news.ycombinator.com/',
      props: { plan: 'pro', seats: 3 },
      revenue: { amount: 49.5, currency: 'EUR' },
      interactive: false,
      hashMode: true,
      screenWidth: 1440,
    });
  });

  it('prefers the short key when both spellings are present, as Plausible does', () => {
    expect(parsedEvent({ n: 'short', name: 'long', u: 'https://a.example/', url: 'https://b.example/' })).toMatchObject(
      {
        name: 'short',
        url: 'https://a.example/',
      },
    );
  });

  it('reads engagement events: scroll depth and engagement time', () => {
    const event = parsedEvent({ n: 'engagement', u: 'https://example.com/', d: 'example.com', sd: 80, e: 12_345 });
    expect(event).toMatchObject({ name: 'engagement', scrollDepth: 80, engagementMs: 12_345 });
  });

  it("reads Sightline's superset keys", () => {
    const event = parsedEvent({
      n: 'pageview',
      u: 'https://example.com/',
      t: 'Home',
      w: 1920,
      sh: 1080,
      vw: 1280,
      vh: 720,
      l: 'en-GB',
      tz: 'Europe/London',
      vc: 2,
    });
    expect(event).toMatchObject({
      title: 'Home',
      screenWidth: 1920,
      screenHeight: 1080,
      viewportWidth: 1280,
      viewportHeight: 720,
      language: 'en-GB',
      timezone: 'Europe/London',
      visibilityChanges: 2,
    });
    expect(
      parsedEvent({ name: 'x', url: 'https://example.com/', screen_height: 900, viewport_width: 5, title: 'T' }),
    ).toMatchObject({
      screenHeight: 900,
      viewportWidth: 5,
      title: 'T',
    });
  });

  it('passes props and revenue sent as JSON strings through for validation to decode', () => {
    const event = parsedEvent({
      n: 'x',
      u: 'https://example.com/',
      p: '{"a":"1"}',
      $: '{"amount":"10","currency":"USD"}',
    });
    expect(event.props).toBe('{"a":"1"}');
    expect(event.revenue).toBe('{"amount":"10","currency":"USD"}');
    // Plausible's legacy `meta` / `m` spelling of props
    expect(parsedEvent({ n: 'x', u: 'https://example.com/', m: { a: 1 } }).props).toEqual({ a: 1 });
  });

  it('splits a comma-separated domain into several sites', () => {
    expect(
      parsedEvent({ n: 'pageview', u: 'https://example.com/', d: 'example.com, rollup.example ,' }).domains,
    ).toEqual(['example.com', 'rollup.example']);
  });

  it('leaves domains unset when no domain is sent (the pipeline uses the URL host)', () => {
    expect(parsedEvent({ n: 'pageview', u: 'https://example.com/' }).domains).toBeUndefined();
  });

  it('accepts a text/plain body: a string (or bytes) holding the JSON object', () => {
    const json = '{"n":"pageview","u":"https://example.com/","d":"example.com","r":null}';
    expect(parsedEvent(json)).toMatchObject({ name: 'pageview', domains: ['example.com'] });
    expect(parsedEvent(new TextEncoder().encode(json))).toMatchObject({ name: 'pageview' });
    // a JSON string of the JSON text: the HTTP layer decoded the text/plain body once already
    expect(parsedEvent(JSON.stringify(json))).toMatchObject({ name: 'pageview' });
  });

  it('accepts integer names, which Plausible allows for 404 tracking', () => {
    expect(parsedEvent({ n: 404, u: 'https://example.com/' }).name).toBe('404');
  });

  it('explains invalid JSON', () => {
    expect(parseError('{"n":"pageview",')).toMatch(/not valid JSON/);
    expect(parseError('')).toMatch(/empty/);
  });

  it('rejects a batch: arrays are not part of the Events API', () => {
    expect(parseError([{ n: 'pageview', u: 'https://example.com/' }])).toMatch(/batches/);
    expect(parseError('[{"n":"pageview","u":"https://example.com/"}]')).toMatch(/batches/);
  });

  it('names the field that is missing or wrong', () => {
    expect(parseError({ u: 'https://example.com/' })).toBe('name is required');
    expect(parseError({ n: '  ', u: 'https://example.com/' })).toBe('name is required');
    expect(parseError({ n: { x: 1 }, u: 'https://example.com/' })).toBe('name must be a string');
    expect(parseError({ n: 'pageview' })).toBe('url is required');
    expect(parseError({ n: 'pageview', u: 42 })).toBe('url must be a string');
    expect(parseError({ n: 'pageview', u: '/relative/path' })).toBe('url must be an absolute http(s) URL');
    expect(parseError({ n: 'pageview', u: 'ftp://example.com/' })).toBe('url must be an absolute http(s) URL');
    expect(parseError({ n: 'pageview', u: 'data:text/html,hi' })).toBe('url must be an absolute http(s) URL');
    expect(parseError({ n: 'pageview', u: 'https://example.com/', d: ' , ' })).toBe('domain must not be blank');
    expect(parseError({ n: 'pageview', u: 'https://example.com/', d: 7 })).toMatch(/^domain must be a string/);
    expect(parseError(42)).toMatch(/JSON object/);
    expect(parseError(null)).toMatch(/JSON object/);
  });

  it('never reads inherited properties', () => {
    const body = Object.create({ n: 'inherited', u: 'https://example.com/' }) as object;
    expect(parseError(body)).toBe('name is required');
    expect(
      parsedEvent(JSON.parse('{"n":"x","u":"https://example.com/","__proto__":{"d":"evil.example"}}')).domains,
    ).toBeUndefined();
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), fc.json({ maxDepth: 3 }), fc.string()),
        (body) => {
          const parsed = parsePlausibleBody(body);
          expect(typeof parsed.ok).toBe('boolean');
          if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            n: fc.anything({ maxDepth: 2 }),
            u: fc.oneof(fc.webUrl(), fc.anything({ maxDepth: 2 })),
            d: fc.anything({ maxDepth: 2 }),
            p: fc.anything({ maxDepth: 2 }),
            $: fc.anything({ maxDepth: 2 }),
          },
          { requiredKeys: [] },
        ),
        (body) => {
          parsePlausibleBody(body);
        },
      ),
      { numRuns: 200 },
    );
  });
});
