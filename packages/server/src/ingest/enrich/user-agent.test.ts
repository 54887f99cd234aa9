import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createUserAgentParser, parseUserAgent, UA_FIELD_MAX, type UserAgentInfo } from './user-agent.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Long strings made by repeating a short random one: cheap to generate, still past every cap. */
const longString = fc
  .tuple(fc.string({ unit: codeUnit, minLength: 1, maxLength: 16 }), fc.integer({ min: 300, max: 1200 }))
  .map(([chunk, times]) => chunk.repeat(times));

/** Real user agents as browsers send them, with what a dashboard should show for each. */
const REAL: Array<[string, string, Omit<UserAgentInfo, 'browser_version'>]> = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    { browser: 'Chrome', browser_major: '124', os: 'Windows', os_version: '10', device: 'desktop' },
  ],
  [
    'Firefox on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
    { browser: 'Firefox', browser_major: '125', os: 'Windows', os_version: '10', device: 'desktop' },
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    { browser: 'Safari', browser_major: '17', os: 'macOS', os_version: '10.15.7', device: 'desktop' },
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    { browser: 'Safari', browser_major: '17', os: 'iOS', os_version: '17.4', device: 'mobile' },
  ],
  [
    'Safari on iPad',
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    { browser: 'Safari', browser_major: '17', os: 'iOS', os_version: '17.4', device: 'tablet' },
  ],
  [
    'Chrome on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    { browser: 'Chrome', browser_major: '124', os: 'iOS', os_version: '17.4', device: 'mobile' },
  ],
  [
    'Chrome on Android phone',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    { browser: 'Chrome', browser_major: '124', os: 'Android', os_version: '10', device: 'mobile' },
  ],
  [
    'Chrome on an Android tablet (no "Mobile" token)',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    { browser: 'Chrome', browser_major: '124', os: 'Android', os_version: '10', device: 'tablet' },
  ],
  [
    'Samsung Internet on Galaxy S23',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    { browser: 'Samsung Internet', browser_major: '24', os: 'Android', os_version: '14', device: 'mobile' },
  ],
  [
    'Chrome on Galaxy Tab',
    'Mozilla/5.0 (Linux; Android 12; SM-T870) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    { browser: 'Chrome', browser_major: '124', os: 'Android', os_version: '12', device: 'tablet' },
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    { browser: 'Edge', browser_major: '124', os: 'Windows', os_version: '10', device: 'desktop' },
  ],
  [
    'Opera on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0',
    { browser: 'Opera', browser_major: '109', os: 'Windows', os_version: '10', device: 'desktop' },
  ],
  [
    'Firefox on Ubuntu',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    { browser: 'Firefox', browser_major: '125', os: 'Linux', os_version: '', device: 'desktop' },
  ],
  [
    'Chrome on ChromeOS',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    { browser: 'Chrome', browser_major: '124', os: 'ChromeOS', os_version: '14541.0.0', device: 'desktop' },
  ],
  [
    'Firefox on Android',
    'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
    { browser: 'Firefox', browser_major: '125', os: 'Android', os_version: '14', device: 'mobile' },
  ],
];

describe('parseUserAgent', () => {
  for (const [name, ua, expected] of REAL) {
    it(name, () => {
      expect(parseUserAgent(ua)).toMatchObject(expected);
    });
  }

  it('keeps the full browser version beside the major', () => {
    expect(parseUserAgent(REAL[10]?.[1] ?? '').browser_version).toBe('124.0.2478.80');
  });

  it('leaves TVs and consoles out of desktop/mobile/tablet rather than miscounting them', () => {
    expect(
      parseUserAgent('Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)').device,
    ).toBe('');
    expect(
      parseUserAgent(
        'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
      ).device,
    ).toBe('');
  });

  it('returns empty fields for an empty or unknown user agent', () => {
    expect(parseUserAgent('')).toEqual({
      browser: '',
      browser_version: '',
      browser_major: '',
      os: '',
      os_version: '',
      device: '',
    });
    expect(parseUserAgent('curl/8.4.0')).toMatchObject({ browser: '', os: '', device: '' });
  });

  it('never throws and always respects the caps, whatever the input', () => {
    const parse = createUserAgentParser({ cacheSize: 50 });
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: codeUnit, maxLength: 300 }),
      longString,
      fc
        .tuple(fc.constantFrom(...REAL.map(([, ua]) => ua)), fc.string({ unit: codeUnit, maxLength: 200 }))
        .map(([ua, junk]) => ua.replace(/\d+/, junk)),
    );
    fc.assert(
      fc.property(hostile, (ua) => {
        const info = parse(ua);
        for (const field of ['browser', 'browser_version', 'browser_major', 'os', 'os_version'] as const) {
          expect(info[field].length).toBeLessThanOrEqual(UA_FIELD_MAX);
          expect(LONE_SURROGATE.test(info[field])).toBe(false);
        }
        expect(['desktop', 'mobile', 'tablet', '']).toContain(info.device);
      }),
      { numRuns: 200 },
    );
  });
});

describe('createUserAgentParser', () => {
  it('answers repeated user agents from its cache and evicts the least recently used', () => {
    const parse = createUserAgentParser({ cacheSize: 2 });
    const [a, b, c] = REAL.map(([, ua]) => ua);
    const first = parse(a ?? '');
    expect(parse(a ?? '')).toBe(first);
    parse(b ?? '');
    parse(a ?? ''); // a is now the most recently used
    parse(c ?? ''); // evicts b
    expect(parse(a ?? '')).toBe(first);
    expect(parse(b ?? '')).toEqual(parse(b ?? ''));
  });

  it('treats user agents that differ only past the first 1000 characters as one', () => {
    const parse = createUserAgentParser();
    const base = `${REAL[0]?.[1] ?? ''} ${'x'.repeat(1000)}`;
    expect(parse(`${base}A`)).toBe(parse(`${base}B`));
  });
});
