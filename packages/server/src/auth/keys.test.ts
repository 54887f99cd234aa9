import { describe, expect, it } from 'vitest';
import { deriveKey, KEY_PURPOSES } from './keys.js';

const SECRET = 'k3Jx9-Qp2vL8sT4wZ6yB1nM5cR7dF0hG';

describe('deriveKey', () => {
  it('gives the same 256-bit key for the same secret and purpose, on every start', () => {
    const a = deriveKey(SECRET, KEY_PURPOSES.tokenHashes).export();
    expect(a).toHaveLength(32);
    expect(deriveKey(SECRET, KEY_PURPOSES.tokenHashes).export().equals(a)).toBe(true);
  });

  it('gives unrelated keys to different purposes and different secrets', () => {
    const tokens = deriveKey(SECRET, KEY_PURPOSES.tokenHashes).export();
    const totp = deriveKey(SECRET, KEY_PURPOSES.totpSecrets).export();
    const other = deriveKey(`${SECRET}x`, KEY_PURPOSES.tokenHashes).export();
    expect(tokens.equals(totp)).toBe(false);
    expect(tokens.equals(other)).toBe(false);
    expect(new Set(Object.values(KEY_PURPOSES)).size).toBe(Object.values(KEY_PURPOSES).length);
  });

  it('refuses a short server secret or a missing purpose', () => {
    expect(() => deriveKey('short', KEY_PURPOSES.tokenHashes)).toThrow(/at least 32/);
    expect(() => deriveKey(SECRET, '')).toThrow(/purpose/);
  });

  it('does not print key bytes when a key is logged', () => {
    const key = deriveKey(SECRET, KEY_PURPOSES.tokenHashes);
    const hex = key.export().toString('hex');
    expect(JSON.stringify(key)).not.toContain(hex);
    expect(String(key)).not.toContain(hex);
  });
});
