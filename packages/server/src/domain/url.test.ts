import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from './event.js';
import { capString, decodePercentSafely, HASH_MAX, parsePageUrl, QUERY_MAX, wellFormed } from './url.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Any UTF-16 code unit, lone surrogates included: what a JSON body can smuggle in. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Long strings made by repeating a short random one: cheap to generate, still past every cap. */
const longString = fc
  .tuple(fc.string({ unit: codeUnit, minLength: 1, maxLength: 16 }), fc.integer({ min: 300, max: 1200 }))
  .map(([chunk, times]) => chunk.repeat(times));
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: codeUnit, maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom('%', 'E', '2', '8', 'C', '3', 'F', 'Z', '/', '#', '?', '\uD83D', '\uDE00', 'a'),
    maxLength: 300,
  }),
);
const hostileUrl = fc
  .tuple(
    fc.constantFrom('https://', 'http://', 'HTTPS://', 'ftp://', 'javascript:', '', '//'),
    fc.oneof(
      fc.constantFrom('example.com', 'WWW.Ex.com.', 'xn--bcher-kva.ch', 'bücher.ch', '[::1]', '127.0.0.1:8080'),
      hostileString,
    ),
    fc.oneof(hostileString, longString),
  )
  .map(([scheme, host, rest]) => `${scheme}${host}/${rest}`);

describe('parsePageUrl', () => {
  it('splits a page URL into the event columns', () => {
    expect(
      parsePageUrl('https://Blog.Example.com./posts/caf%C3%A9?utm_source=x&a=1#comments', { hashMode: false }),
    ).toEqual({
      hostname: 'blog.example.com',
      pathname: '/posts/café',
      query: 'utm_source=x&a=1',
      hash: 'comments',
    });
  });

  it('keeps www. in the hostname (sites may serve different content there)', () => {
    expect(parsePageUrl('http://www.example.com', { hashMode: false })).toEqual({
      hostname: 'www.example.com',
      pathname: '/',
      query: '',
      hash: '',
    });
  });

  it('makes the fragment part of the path in hashMode, as single-page apps route on it', () => {
    expect(parsePageUrl('https://app.example.com/#/settings?tab=2', { hashMode: true })).toEqual({
      hostname: 'app.example.com',
      pathname: '/#/settings?tab=2',
      query: '',
      hash: '',
    });
    expect(parsePageUrl('https://app.example.com/#/settings', { hashMode: false })?.pathname).toBe('/');
    expect(parsePageUrl('https://app.example.com/docs', { hashMode: true })?.pathname).toBe('/docs');
  });

  it('rejects anything that is not an absolute http(s) URL', () => {
    for (const url of [
      '/relative/path',
      'example.com/page',
      'ftp://example.com/',
      'javascript:alert(1)',
      'data:text/html,x',
      'https://',
      '',
      'http://:80/',
    ]) {
      expect(parsePageUrl(url, { hashMode: false })).toBeUndefined();
    }
  });

  it('decodes percent escapes only where the result is unambiguous', () => {
    const parsed = parsePageUrl('https://example.com/a%2Fb/%E2%82%AC/%ZZ/%C3/%00x/100%25', { hashMode: false });
    // %2F stays encoded so /a%2Fb is not confused with /a/b; broken UTF-8 and controls stay as sent.
    expect(parsed?.pathname).toBe('/a%2Fb/€/%ZZ/%C3/%00x/100%25');
  });

  it('caps the pathname at LIMITS.pathname', () => {
    const parsed = parsePageUrl(`https://example.com/${'a'.repeat(5000)}`, { hashMode: false });
    expect(parsed?.pathname.length).toBe(LIMITS.pathname);
  });

  it('never throws and always respects the caps, whatever the input', () => {
    fc.assert(
      fc.property(hostileUrl, fc.boolean(), (url, hashMode) => {
        const parsed = parsePageUrl(url, { hashMode });
        if (parsed === undefined) return;
        expect(parsed.pathname.startsWith('/')).toBe(true);
        expect(parsed.pathname.length).toBeLessThanOrEqual(LIMITS.pathname);
        expect(parsed.hostname.length).toBeLessThanOrEqual(LIMITS.hostname);
        expect(parsed.hostname).toBe(parsed.hostname.toLowerCase());
        expect(parsed.hostname.endsWith('.')).toBe(false);
        expect(parsed.query.length).toBeLessThanOrEqual(QUERY_MAX);
        expect(parsed.hash.length).toBeLessThanOrEqual(HASH_MAX);
        for (const part of Object.values(parsed)) expect(isWellFormed(part)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('capString', () => {
  it('never splits a surrogate pair', () => {
    expect(capString('ab😀', 3)).toBe('ab');
    expect(capString('ab😀', 4)).toBe('ab😀');
    expect(capString('abc', 0)).toBe('');
  });

  it('returns at most max code units and a prefix of the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnit, maxLength: 100 }), fc.nat(120), (s, max) => {
        const capped = capString(s, max);
        expect(capped.length).toBeLessThanOrEqual(max);
        expect(s.startsWith(capped)).toBe(true);
        if (isWellFormed(s)) expect(isWellFormed(capped)).toBe(true);
      }),
    );
  });
});

describe('wellFormed', () => {
  it('replaces lone surrogates and keeps pairs', () => {
    expect(wellFormed('a\uD800b\uDC00c😀')).toBe('a\uFFFDb\uFFFDc😀');
    expect(wellFormed('plain')).toBe('plain');
  });
});

describe('decodePercentSafely', () => {
  it('loses nothing: fully decoding the result gives the same text as fully decoding the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const encoded = encodeURIComponent(text);
        expect(decodeURIComponent(decodePercentSafely(encoded))).toBe(text);
      }),
    );
  });
});
