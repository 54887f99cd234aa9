import { describe, expect, it } from 'vitest';
import { maskEmail } from './mask-email.js';

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskEmail('a@example.org')).toBe('a***@example.org');
  });

  it('keeps a non-ASCII first character whole', () => {
    expect(maskEmail('émile@example.fr')).toBe('é***@example.fr');
    expect(maskEmail('😀x@example.com')).toBe('😀***@example.com');
  });

  it('hides everything of something that is not an address', () => {
    expect(maskEmail('no-at-sign')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
  });
});
