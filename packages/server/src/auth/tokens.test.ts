import { describe, expect, it } from 'vitest';
import { constantTimeEqual, createTokens, deriveTokenKey, parseToken, TOKEN_PREFIXES } from './tokens.js';

const tokens = createTokens({ key: deriveTokenKey('k3Jx9-Qp2vL8sT4wZ6yB1nM5cR7dF0hG') });

describe('newToken', () => {
  it('makes a prefixed base62 token with a display id and a hash to store', () => {
    const issued = tokens.newToken(TOKEN_PREFIXES.apiKey);
    expect(issued.token).toMatch(/^sl_live_[0-9A-Za-z]{40}$/);
    expect(issued.prefix).toBe('sl_live');
    expect(issued.lookupId).toBe(issued.token.slice('sl_live_'.length, 'sl_live_'.length + 8));
    expect(issued.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.hash).not.toContain(issued.token.slice(8));
    expect(tokens.hashToken(issued.token)).toBe(issued.hash);
  });

  it('never repeats a token', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => tokens.newToken('sl_sess').token));
    expect(seen.size).toBe(1000);
  });

  it('draws every base62 character about equally often', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      for (const char of tokens.newToken('t').token.slice(2)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const expected = (500 * 40) / 62;
    for (const count of counts.values()) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.35);
  });

  it('refuses prefixes that would make tokens ambiguous to parse', () => {
    for (const prefix of ['', 'SL', 'sl-live', 'sl_', '_sl', 'a'.repeat(33), 'sl live']) {
      expect(() => tokens.newToken(prefix), prefix).toThrow(TypeError);
    }
  });
});

describe('hashToken', () => {
  it('gives a different hash under a different server secret', () => {
    const issued = tokens.newToken('sl_live');
    const other = createTokens({ key: deriveTokenKey('another-server-secret-0123456789abcdef') });
    expect(other.hashToken(issued.token)).not.toBe(issued.hash);
  });

  it('refuses anything that is not a well-formed token, so no lookup is made', () => {
    const { token } = tokens.newToken('sl_live');
    const bad = ['', token.slice(0, -1), `${token}x`, `SL${token.slice(2)}`, token.replace('_', '-'), 'x'.repeat(1e5)];
    for (const value of bad) expect(tokens.hashToken(value)).toBeUndefined();
    expect(tokens.hashToken(undefined as unknown as string)).toBeUndefined();
  });
});

describe('parseToken', () => {
  it('returns the public parts of a token', () => {
    const { token, lookupId } = tokens.newToken('sl_reset');
    expect(parseToken(token)).toEqual({ prefix: 'sl_reset', lookupId });
  });
});

describe('constantTimeEqual (re-exported)', () => {
  it('compares stored and presented hashes', () => {
    const { token, hash } = tokens.newToken('sl_live');
    expect(constantTimeEqual(tokens.hashToken(token)!, hash)).toBe(true);
    expect(constantTimeEqual(tokens.hashToken(tokens.newToken('sl_live').token)!, hash)).toBe(false);
  });
});
