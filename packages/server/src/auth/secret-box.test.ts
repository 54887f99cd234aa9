import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_PURPOSES } from './keys.js';
import {
  createSecretBox,
  deriveSecretBoxKey,
  MAX_SECRET_BOX_PLAINTEXT_BYTES,
  openSecret,
  SecretBoxError,
  sealSecret,
} from './secret-box.js';

const SECRET = 'k3Jx9-Qp2vL8sT4wZ6yB1nM5cR7dF0hG';
const key = deriveSecretBoxKey(SECRET);
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function failure(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  throw new Error('expected the box to stay shut');
}

describe('secret box', () => {
  it('seals into a versioned base64url string that does not contain the secret', () => {
    const box = sealSecret(key, TOTP_SECRET);
    expect(box).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(box).not.toContain(TOTP_SECRET);
    expect(openSecret([key], box)).toEqual({ plaintext: TOTP_SECRET, keyIndex: 0 });
  });

  it('uses a fresh IV each time, so equal secrets give unequal boxes', () => {
    expect(sealSecret(key, TOTP_SECRET)).not.toBe(sealSecret(key, TOTP_SECRET));
  });

  it('round-trips any string up to the size cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ maxLength: 40 }), (text, context) => {
        expect(openSecret(key, sealSecret(key, text, context), context).plaintext).toBe(text);
      }),
    );
    const big = 'x'.repeat(MAX_SECRET_BOX_PLAINTEXT_BYTES);
    expect(openSecret(key, sealSecret(key, big)).plaintext).toBe(big);
    expect(() => sealSecret(key, `${big}x`)).toThrow(TypeError);
  });

  it('detects any tampering with IV, ciphertext or tag', () => {
    const box = sealSecret(key, TOTP_SECRET);
    const parts = box.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.');
      expect(failure(() => openSecret(key, tampered)).reason).toBe('unauthenticated');
    }
  });

  it('refuses a box under the wrong key or in another context', () => {
    const box = sealSecret(key, TOTP_SECRET, 'user:1');
    const otherServer = deriveSecretBoxKey('another-server-secret-0123456789abcdef');
    const otherPurpose = deriveSecretBoxKey(SECRET, KEY_PURPOSES.tokenHashes);
    expect(failure(() => openSecret(otherServer, box, 'user:1')).reason).toBe('unauthenticated');
    expect(failure(() => openSecret(otherPurpose, box, 'user:1')).reason).toBe('unauthenticated');
    expect(failure(() => openSecret(key, box, 'user:2')).reason).toBe('unauthenticated');
    expect(openSecret(key, box, 'user:1').plaintext).toBe(TOTP_SECRET);
  });

  it('says malformed for anything that is not a box, and never leaks it in the message', () => {
    const inputs = [
      '',
      'v1',
      'v1.a.b',
      'v1.!!!.b.c',
      'v1.AAAA.AAAA.AAAA',
      'x'.repeat(100_000),
      42 as unknown as string,
    ];
    for (const input of inputs) {
      const error = failure(() => openSecret(key, input));
      expect(error.reason).toBe('malformed');
      expect(error.message).not.toContain('AAAA');
    }
    const future = sealSecret(key, TOTP_SECRET).replace(/^v1/, 'v2');
    expect(failure(() => openSecret(key, future)).reason).toBe('unsupported_version');
  });

  it('opens boxes sealed under a retired key during rotation and tells the caller to re-seal', () => {
    const oldKey = deriveSecretBoxKey('the-old-server-secret-0123456789abc');
    const newKey = deriveSecretBoxKey('the-new-server-secret-0123456789xyz');
    const oldBox = createSecretBox([oldKey]).seal(TOTP_SECRET, 'user:7');
    const rotated = createSecretBox([newKey, oldKey]);
    const opened = rotated.open(oldBox, 'user:7');
    expect(opened).toEqual({ plaintext: TOTP_SECRET, keyIndex: 1 });
    const resealed = rotated.seal(opened.plaintext, 'user:7');
    expect(createSecretBox([newKey]).open(resealed, 'user:7')).toEqual({ plaintext: TOTP_SECRET, keyIndex: 0 });
    expect(() => createSecretBox([])).toThrow(/at least one key/);
  });
});
