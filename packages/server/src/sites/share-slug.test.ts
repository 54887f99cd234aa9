import { describe, expect, it } from 'vitest';
import { isShareSlug, newShareSlug, SHARE_SLUG_LENGTH } from './share-slug.js';

describe('newShareSlug', () => {
  it('gives 22 base62 characters, different every time', () => {
    const slugs = new Set(Array.from({ length: 2000 }, () => newShareSlug()));
    expect(slugs.size).toBe(2000);
    for (const slug of slugs) {
      expect(slug).toHaveLength(SHARE_SLUG_LENGTH);
      expect(isShareSlug(slug)).toBe(true);
    }
  });

  it('uses every base62 character about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) for (const char of newShareSlug()) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (5000 * SHARE_SLUG_LENGTH) / 62;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.15);
  });

  it('discards bytes that would bias the alphabet', () => {
    // 248..255 are skipped; 0 and 61 map to the first and last characters.
    const bytes = [255, 248, 0, 61, 62, ...Array.from({ length: 60 }, () => 10)];
    let offset = 0;
    const slug = newShareSlug((size) => {
      const chunk = Uint8Array.from(bytes.slice(offset, offset + size));
      offset += size;
      return chunk;
    });
    expect(slug.slice(0, 3)).toBe('0z0');
    expect(slug).toHaveLength(SHARE_SLUG_LENGTH);
  });
});

describe('isShareSlug', () => {
  it('accepts only the slug shape', () => {
    expect(isShareSlug('abcdefghijABCDEFGHIJ01')).toBe(true);
    for (const bad of ['example.com', 'abcdefghijABCDEFGHIJ0', 'abcdefghijABCDEFGHIJ0-', '', 42, undefined]) {
      expect(isShareSlug(bad)).toBe(false);
    }
  });
});
