import { describe, expect, it } from 'vitest';
import {
  BACKUP_CODE_COUNT,
  consumeBackupCode,
  deriveBackupCodeKey,
  generateBackupCodes,
  hashBackupCode,
} from './backup-codes.js';

const key = deriveBackupCodeKey('k3Jx9-Qp2vL8sT4wZ6yB1nM5cR7dF0hG');

describe('generateBackupCodes', () => {
  it('makes ten distinct xxxx-xxxx codes from an alphabet without i, l, o or u', () => {
    const { codes, hashes } = generateBackupCodes(key);
    expect(codes).toHaveLength(BACKUP_CODE_COUNT);
    expect(hashes).toHaveLength(BACKUP_CODE_COUNT);
    expect(new Set(codes).size).toBe(BACKUP_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
  });

  it('stores keyed hashes, never the codes themselves', () => {
    const { codes, hashes } = generateBackupCodes(key);
    for (const [i, code] of codes.entries()) {
      expect(hashes[i]).not.toContain(code.replace('-', ''));
      expect(hashes[i]).toBe(hashBackupCode(key, code));
    }
    const otherKey = deriveBackupCodeKey('another-server-secret-0123456789abcdef');
    expect(hashBackupCode(otherKey, codes[0]!)).not.toBe(hashes[0]);
  });

  it('spends 40 random bits per code: every bit of the random source shows in the code', () => {
    const zeros = generateBackupCodes(key, { count: 1, randomBytes: (n) => new Uint8Array(n) });
    const ones = generateBackupCodes(key, { count: 1, randomBytes: (n) => new Uint8Array(n).fill(0xff) });
    expect(zeros.codes).toEqual(['0000-0000']);
    expect(ones.codes).toEqual(['zzzz-zzzz']);
  });

  it('never hands out the same code twice in one set, even from a repetitive random source', () => {
    let call = 0;
    const repetitive = (n: number) => new Uint8Array(n).fill(Math.floor(call++ / 2));
    const { codes } = generateBackupCodes(key, { count: 3, randomBytes: repetitive });
    expect(new Set(codes).size).toBe(3);
  });
});

describe('consumeBackupCode', () => {
  it('accepts each code once and returns the list without it', () => {
    const { codes, hashes } = generateBackupCodes(key);
    const first = consumeBackupCode(key, hashes, codes[3]!);
    expect(first).toEqual({ valid: true, usedHash: hashes[3], remaining: hashes.filter((_, i) => i !== 3) });
    if (!first.valid) throw new Error('unreachable');
    expect(consumeBackupCode(key, first.remaining, codes[3]!)).toEqual({ valid: false });
    expect(consumeBackupCode(key, first.remaining, codes[4]!).valid).toBe(true);
  });

  it('forgives case, spacing, a missing hyphen and the look-alikes o/0 and i/l/1', () => {
    const { codes, hashes } = generateBackupCodes(key, {
      count: 1,
      randomBytes: () => Uint8Array.from([0x00, 0x42, 0x10, 0x84, 0x21]),
    });
    expect(codes[0]).toBe('0111-1111');
    for (const typed of ['0111-1111', 'O1I1 L1l1', ' o1111111 ', '0111-1111\n']) {
      expect(consumeBackupCode(key, hashes, typed).valid, typed).toBe(true);
    }
  });

  it('refuses wrong, malformed and hostile input without throwing', () => {
    const { hashes } = generateBackupCodes(key);
    for (const typed of ['', 'abcd-efgh', 'uuuu-uuuu', '1234-567', 'x'.repeat(100_000), 7 as unknown as string]) {
      expect(consumeBackupCode(key, hashes, typed)).toEqual({ valid: false });
    }
    expect(consumeBackupCode(key, [], '0000-0000')).toEqual({ valid: false });
    expect(consumeBackupCode(key, undefined as unknown as string[], '0000-0000')).toEqual({ valid: false });
  });
});
