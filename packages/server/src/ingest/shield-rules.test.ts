import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ShieldKind } from '../domain/account.js';
import { wildcardToRegex } from '../stats/compile.js';
import { compileShields, MAX_PATH_WILDCARDS, parseShieldValue, type ShieldSubject } from './shield-rules.js';

function subject(overrides: Partial<Omit<ShieldSubject, 'country'>> & { country?: string } = {}): ShieldSubject {
  const { country = '', ...rest } = overrides;
  return { ip: '198.51.100.20', hostname: 'example.com', pathname: '/', ...rest, country: () => country };
}

function rules(...shields: Array<[ShieldKind, string]>) {
  return compileShields(shields.map(([kind, value]) => ({ kind, value })));
}

describe('parseShieldValue', () => {
  it.each([
    ['ip', ' 203.0.113.7 ', '203.0.113.7'],
    ['ip', '203.0.113.0/24', '203.0.113.0/24'],
    ['ip', '10.0.0.0/8', '10.0.0.0/8'],
    ['ip', '2001:DB8::/32', '2001:db8::/32'],
    ['ip', '2001:db8::1', '2001:db8::1'],
    ['ip', '::ffff:203.0.113.7', '203.0.113.7'],
    ['country', ' de ', 'DE'],
    ['path', '/admin/**', '/admin/**'],
    ['path', '/blog/***', '/blog/**'],
    ['hostname', 'Staging.Example.com', 'staging.example.com'],
    ['hostname', '*.Example.com', '*.example.com'],
    ['hostname', 'www.example.com', 'www.example.com'],
    ['hostname', 'münchen.de', 'xn--mnchen-3ya.de'],
  ] as Array<[ShieldKind, string, string]>)('%s %j is stored as %j', (kind, input, stored) => {
    expect(parseShieldValue(kind, input)).toEqual({ ok: true, value: stored });
  });

  it.each([
    ['ip', '203.0.113.256', /IPv4 or IPv6 address or a CIDR range/],
    ['ip', '203.0.113.0/33', /prefix length from 0 to 32/],
    ['ip', '2001:db8::/129', /prefix length from 0 to 128/],
    ['ip', '203.0.113.0/-1', /CIDR range/],
    ['ip', '203.0.113.0/', /CIDR range/],
    ['ip', 'example.com', /CIDR range/],
    ['ip', '::ffff:10.0.0.0/104', /dotted form/],
    ['country', 'DEU', /two-letter/],
    ['country', 'D1', /two-letter/],
    ['path', 'admin', /starts with \//],
    ['path', `/${'a'.repeat(600)}`, /at most 500/],
    ['path', `/${'*/'.repeat(MAX_PATH_WILDCARDS + 1)}`, /at most 16 wildcards/],
    ['hostname', 'https://example.com/', /host name/],
    ['hostname', 'exa mple.com', /host name/],
    ['hostname', 'example.com:8080', /host name/],
    ['hostname', '*.', /host name/],
    ['hostname', 'a.*.example.com', /host name/],
    ['hostname', '-bad-.example.com', /host name/],
  ] as Array<[ShieldKind, string, RegExp]>)('%s %j is refused, saying what is valid', (kind, input, message) => {
    const result = parseShieldValue(kind, input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('requires a value of text', () => {
    expect(parseShieldValue('ip', '')).toEqual({ ok: false, error: 'value is required' });
    expect(parseShieldValue('country', 42)).toEqual({ ok: false, error: 'value is required' });
    expect(parseShieldValue('path', '   ')).toEqual({ ok: false, error: 'value is required' });
  });

  it('never throws, whatever it is given', () => {
    const kinds: ShieldKind[] = ['ip', 'country', 'path', 'hostname'];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.anything(), (kind, value) => {
        const result = parseShieldValue(kind, value);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});

describe('compileShields', () => {
  it('matches nothing when the site has no shields, without looking up the country', () => {
    const compiled = compileShields([]);
    expect(compiled.size).toBe(0);
    let looked = false;
    const country = () => {
      looked = true;
      return 'DE';
    };
    expect(compiled.match({ ...subject(), country })).toBeUndefined();
    expect(looked).toBe(false);
  });

  it('blocks single IPv4 addresses and CIDR ranges, and nothing next to them', () => {
    const compiled = rules(['ip', '203.0.113.7'], ['ip', '198.51.100.0/25']);
    expect(compiled.match(subject({ ip: '203.0.113.7' }))).toBe('ip');
    expect(compiled.match(subject({ ip: '203.0.113.8' }))).toBeUndefined();
    expect(compiled.match(subject({ ip: '198.51.100.0' }))).toBe('ip');
    expect(compiled.match(subject({ ip: '198.51.100.127' }))).toBe('ip');
    expect(compiled.match(subject({ ip: '198.51.100.128' }))).toBeUndefined();
  });

  it('handles the edges of the IPv4 space (/0, /32, high addresses)', () => {
    expect(rules(['ip', '0.0.0.0/0']).match(subject({ ip: '255.255.255.255' }))).toBe('ip');
    expect(rules(['ip', '255.255.255.255/32']).match(subject({ ip: '255.255.255.255' }))).toBe('ip');
    expect(rules(['ip', '255.255.255.255/32']).match(subject({ ip: '255.255.255.254' }))).toBeUndefined();
    expect(rules(['ip', '128.0.0.0/1']).match(subject({ ip: '200.1.2.3' }))).toBe('ip');
    expect(rules(['ip', '128.0.0.0/1']).match(subject({ ip: '127.255.255.255' }))).toBeUndefined();
    // host bits in the shield are ignored, as routers do
    expect(rules(['ip', '10.1.2.3/8']).match(subject({ ip: '10.200.0.1' }))).toBe('ip');
  });

  it('matches an IPv4 client seen through a dual-stack socket, and IPv6 addresses and ranges', () => {
    const compiled = rules(['ip', '203.0.113.7'], ['ip', '2001:db8:aa::/48'], ['ip', '2001:db8::1']);
    expect(compiled.match(subject({ ip: '::ffff:203.0.113.7' }))).toBe('ip');
    expect(compiled.match(subject({ ip: '2001:db8:aa:1::5' }))).toBe('ip');
    expect(compiled.match(subject({ ip: '2001:DB8:0:0:0:0:0:1' }))).toBe('ip');
    expect(compiled.match(subject({ ip: '2001:db8:ab::5' }))).toBeUndefined();
    expect(compiled.match(subject({ ip: 'not an ip' }))).toBeUndefined();
    expect(compiled.match(subject({ ip: '' }))).toBeUndefined();
  });

  it('matches paths with * inside one segment and ** across segments, anchored at both ends', () => {
    const compiled = rules(['path', '/admin/**'], ['path', '/preview/*/draft'], ['path', '/exact']);
    expect(compiled.match(subject({ pathname: '/admin/users/42' }))).toBe('path');
    expect(compiled.match(subject({ pathname: '/admin/' }))).toBe('path');
    expect(compiled.match(subject({ pathname: '/administrator' }))).toBeUndefined();
    expect(compiled.match(subject({ pathname: '/preview/post-1/draft' }))).toBe('path');
    expect(compiled.match(subject({ pathname: '/preview/a/b/draft' }))).toBeUndefined();
    expect(compiled.match(subject({ pathname: '/exact' }))).toBe('path');
    expect(compiled.match(subject({ pathname: '/exact/more' }))).toBeUndefined();
    expect(compiled.match(subject({ pathname: '/not/exact' }))).toBeUndefined();
  });

  it('treats regular-expression characters in a path literally', () => {
    const compiled = rules(['path', '/a.b/(x)+?']);
    expect(compiled.match(subject({ pathname: '/a.b/(x)+?' }))).toBe('path');
    expect(compiled.match(subject({ pathname: '/aXb/xx' }))).toBeUndefined();
  });

  it('matches a hostname exactly, or every subdomain of a *. host but not the host itself', () => {
    const compiled = rules(['hostname', 'staging.example.com'], ['hostname', '*.preview.example.com']);
    expect(compiled.match(subject({ hostname: 'staging.example.com' }))).toBe('hostname');
    expect(compiled.match(subject({ hostname: 'example.com' }))).toBeUndefined();
    expect(compiled.match(subject({ hostname: 'pr-12.preview.example.com' }))).toBe('hostname');
    expect(compiled.match(subject({ hostname: 'a.b.preview.example.com' }))).toBe('hostname');
    expect(compiled.match(subject({ hostname: 'preview.example.com' }))).toBeUndefined();
    expect(compiled.match(subject({ hostname: 'evilpreview.example.com' }))).toBeUndefined();
  });

  it('matches countries, looking the country up only when the site has country shields', () => {
    const compiled = rules(['country', 'DE'], ['country', 'fr']);
    expect(compiled.match(subject({ country: 'DE' }))).toBe('country');
    expect(compiled.match(subject({ country: 'FR' }))).toBe('country');
    expect(compiled.match(subject({ country: 'NL' }))).toBeUndefined();
    expect(compiled.match(subject({ country: '' }))).toBeUndefined();
    let lookups = 0;
    const counted = () => {
      lookups++;
      return 'DE';
    };
    rules(['ip', '10.0.0.1']).match({ ...subject(), country: counted });
    expect(lookups).toBe(0);
  });

  it('skips values that are not valid instead of failing the whole site', () => {
    const compiled = compileShields([
      { kind: 'ip', value: 'garbage' },
      { kind: 'path', value: 'no-slash' },
      { kind: 'country', value: 'DE' },
    ]);
    expect(compiled.size).toBe(1);
    expect(compiled.match(subject({ country: 'DE' }))).toBe('country');
  });

  it('matches paths exactly as goal patterns do (the stats layer compiles them to anchored regular expressions)', () => {
    const pathChars = fc.constantFrom('/', 'a', 'b', '.', '-');
    const patternChars = fc.constantFrom('/', 'a', 'b', '.', '*', '*', '-');
    fc.assert(
      fc.property(
        fc.array(patternChars, { maxLength: 10 }).map((chars) => `/${chars.join('')}`),
        fc.array(pathChars, { maxLength: 14 }).map((chars) => `/${chars.join('')}`),
        (pattern, pathname) => {
          const checked = parseShieldValue('path', pattern);
          if (!checked.ok) return;
          const expected = new RegExp(wildcardToRegex(checked.value)).test(pathname);
          expect(rules(['path', checked.value]).match(subject({ pathname })) === 'path').toBe(expected);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('stays fast on a hostile 2,000-character path against the longest allowed pattern', () => {
    const pattern = `/${Array.from({ length: MAX_PATH_WILDCARDS }, () => '**a').join('')}b`;
    const compiled = rules(['path', pattern]);
    const started = performance.now();
    expect(compiled.match(subject({ pathname: `/${'a'.repeat(2000)}` }))).toBeUndefined();
    // Linear matching takes a few ms; a backtracking regex took minutes. The bound only tells the two apart.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
