import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.js';

describe('constantTimeEqual', () => {
  it('is true only for identical strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });

  it('is false for non-strings instead of throwing', () => {
    expect(constantTimeEqual(undefined as unknown as string, 'a')).toBe(false);
    expect(constantTimeEqual(null as unknown as string, null as unknown as string)).toBe(false);
  });
});
