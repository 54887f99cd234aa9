import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUmamiBody } from './umami.js';

const WEBSITE = '0b1f7a2e-5c3d-4e6f-8a9b-0c1d2e3f4a5b';

function payload(overrides: Record<string, unknown> = {}) {
  return {
    website: WEBSITE,
    hostname: 'example.com',
    url: '/pricing?utm_source=newsletter',
    referrer: 'https://www.google.com/',
    title: 'Pricing',
    language: 'en-US',
    screen: '1920x1080',
    ...overrides,
  };
}

function parsedEvent(body: unknown) {
  const parsed = parseUmamiBody(body);
  if (!parsed.ok) throw new Error(`expected ok, got: ${parsed.error}`);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0]!;
}

function parseError(body: unknown): string {
  const parsed = parseUmamiBody(body);
  if (parsed.ok) throw new Error('expected an error');
  return parsed.error;
}

describe('parseUmamiBody', () => {
  it('reads a pageview (no name), rebuilding the full URL from hostname and path', () => {
    const event = parsedEvent({ type: 'event', payload: payload() });
    expect(event).toMatchObject({
      name: 'pageview',
      url: 'https://example.com/pricing?utm_source=newsletter',
      sitePublicId: WEBSITE,
      referrer: 'https://www.google.com/',
      title: 'Pricing',
      language: 'en-US',
      screenWidth: 1920,
      screenHeight: 1080,
    });
    expect(event.domains).toBeUndefined();
  });

  it('reads a custom event with data as props, flattening nested objects like Umami', () => {
    const event = parsedEvent({
      type: 'event',
      payload: payload({ name: 'signup', data: { plan: 'pro', seats: 3, cart: { total: 12.5, items: ['a', 'b'] } } }),
    });
    expect(event.name).toBe('signup');
    expect(event.props).toEqual({ plan: 'pro', seats: 3, 'cart.total': 12.5, 'cart.items': '["a","b"]' });
  });

  it('accepts the absolute URL newer trackers send', () => {
    expect(parsedEvent({ type: 'event', payload: payload({ url: 'https://example.com/a?b=1' }) }).url).toBe(
      'https://example.com/a?b=1',
    );
  });

  it('treats an empty or same-site path referrer as no referrer', () => {
    expect(parsedEvent({ type: 'event', payload: payload({ referrer: '' }) }).referrer).toBeUndefined();
    expect(parsedEvent({ type: 'event', payload: payload({ referrer: '/previous' }) }).referrer).toBeUndefined();
  });

  it('keeps the identify id as the user id and the timestamp (seconds) in milliseconds', () => {
    const event = parsedEvent({ type: 'event', payload: payload({ id: 'user-42', timestamp: 1_700_000_000 }) });
    expect(event.userId).toBe('user-42');
    expect(event.timestamp).toBe(1_700_000_000_000);
  });

  it('never lets the payload choose the IP or user agent', () => {
    const event = parsedEvent({ type: 'event', payload: payload({ ip: '203.0.113.9', userAgent: 'Googlebot' }) });
    expect(event.ip).toBeUndefined();
    expect(event.userAgent).toBeUndefined();
  });

  it('accepts identify calls and records nothing', () => {
    expect(parseUmamiBody({ type: 'identify', payload: payload({ data: { email: 'x' } }) })).toEqual({
      ok: true,
      events: [],
    });
  });

  it('ignores a malformed screen instead of failing', () => {
    const event = parsedEvent({ type: 'event', payload: payload({ screen: 'big' }) });
    expect(event.screenWidth).toBeUndefined();
  });

  it('accepts the body as JSON text', () => {
    expect(parsedEvent(JSON.stringify({ type: 'event', payload: payload() })).name).toBe('pageview');
  });

  it('names the field that is missing or wrong', () => {
    expect(parseError({ payload: payload() })).toMatch(/^type is required/);
    expect(parseError({ type: 'click', payload: payload() })).toBe("type must be 'event' or 'identify'");
    expect(parseError({ type: 'event' })).toBe('payload must be an object');
    expect(parseError({ type: 'event', payload: payload({ website: undefined }) })).toMatch(
      /^payload\.website is required/,
    );
    expect(parseError({ type: 'event', payload: payload({ website: 'not-a-uuid' }) })).toBe(
      'payload.website must be a UUID',
    );
    expect(parseError({ type: 'event', payload: payload({ url: undefined }) })).toBe('payload.url is required');
    expect(parseError({ type: 'event', payload: payload({ url: 'pricing' }) })).toMatch(/^payload\.url must be a path/);
    expect(parseError({ type: 'event', payload: payload({ hostname: undefined }) })).toBe(
      'payload.hostname is required when payload.url is a path',
    );
    expect(parseError({ type: 'event', payload: payload({ hostname: 'evil.example/x?' }) })).toMatch(
      /^payload\.hostname must be/,
    );
    expect(parseError({ type: 'event', payload: payload({ name: 5 }) })).toBe('payload.name must be a string');
    expect(parseError([{ type: 'event', payload: payload() }])).toMatch(/batches/);
    expect(parseError('{oops')).toMatch(/not valid JSON/);
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), fc.json({ maxDepth: 3 })),
        (body) => {
          parseUmamiBody(body);
        },
      ),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            website: fc.oneof(fc.constant(WEBSITE), fc.anything({ maxDepth: 2 })),
            url: fc.oneof(fc.webPath(), fc.webUrl(), fc.anything({ maxDepth: 2 })),
            hostname: fc.oneof(fc.domain(), fc.anything({ maxDepth: 2 })),
            screen: fc.anything({ maxDepth: 2 }),
            data: fc.anything({ maxDepth: 2 }),
            timestamp: fc.anything({ maxDepth: 2 }),
          },
          { requiredKeys: [] },
        ),
        (body) => {
          parseUmamiBody({ type: 'event', payload: body });
        },
      ),
      { numRuns: 150 },
    );
  });
});
