import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DOMAIN_LENGTH, normalizeDomain } from './domain-name.js';

describe('normalizeDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['  Example.COM  ', 'example.com'],
    ['https://www.example.com/some/path?q=1#top', 'example.com'],
    ['http://shop.example.co.uk:8443/', 'shop.example.co.uk'],
    ['www.example.com.', 'example.com'],
    ['WWW.www.example.com', 'example.com'],
    ['//blog.example.org/feed', 'blog.example.org'],
    ['example.com:3000', 'example.com'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
    ['https://www.bücher.example/', 'xn--bcher-kva.example'],
    ['localhost:8000', 'localhost'],
    ['192.168.1.20', '192.168.1.20'],
    ['www.com', 'www.com'],
    ['my-site.io', 'my-site.io'],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'https://',
    'example',
    'exa mple.com',
    'under_score.example.com',
    '-leading.example.com',
    'trailing-.example.com',
    'example..com',
    'example.com..',
    'example.123',
    '[::1]',
    'mailto:someone@example.com',
    'https://user:secret@example.com/',
    'javascript:alert(1)',
    `${'a'.repeat(64)}.com`,
    'xn--.com',
    '.example.com',
  ])('rejects %j', (input) => {
    expect(normalizeDomain(input)).toBeUndefined();
  });

  it('rejects names longer than 253 characters and accepts 253', () => {
    const label = 'a'.repeat(63);
    const longest = `${label}.${label}.${label}.${'b'.repeat(61)}`;
    expect(longest.length).toBe(MAX_DOMAIN_LENGTH);
    expect(normalizeDomain(longest)).toBe(longest);
    expect(normalizeDomain(`${longest}c`)).toBeUndefined();
    expect(normalizeDomain(`${'a.'.repeat(5000)}com`)).toBeUndefined();
  });

  it('never throws, and its output is a fixed point', () => {
    const hostish = fc.stringMatching(/^(https?:\/\/)?(www\.)?[a-zA-Z0-9.\-_]{0,30}(:[0-9]{1,5})?(\/[a-z]{0,5})?$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), hostish), (input) => {
        const normalised = normalizeDomain(input);
        if (normalised !== undefined) {
          expect(normalised.length).toBeLessThanOrEqual(MAX_DOMAIN_LENGTH);
          expect(normalizeDomain(normalised)).toBe(normalised);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('treats non-string input as invalid instead of throwing', () => {
    expect(normalizeDomain(undefined as unknown as string)).toBeUndefined();
    expect(normalizeDomain(42 as unknown as string)).toBeUndefined();
  });
});
