import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  type OtpAlgorithm,
  otpauthUri,
  TOTP_SECRET_BYTES,
  totp,
  totpStep,
  verifyTotp,
} from './totp.js';

const RFC_SEED_SHA1 = Buffer.from('12345678901234567890', 'ascii');

describe('hotp (RFC 4226)', () => {
  it('matches the Appendix D test values', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    for (const [counter, code] of expected.entries()) expect(hotp(RFC_SEED_SHA1, counter)).toBe(code);
  });
});

describe('totp (RFC 6238)', () => {
  const seeds: Record<OtpAlgorithm, Buffer> = {
    sha1: RFC_SEED_SHA1,
    sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
    sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
  };
  // Appendix B: time in seconds, then the 8-digit codes for SHA-1, SHA-256 and SHA-512.
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  it('matches the Appendix B test values for all three hashes', () => {
    for (const [seconds, sha1, sha256, sha512] of vectors) {
      const now = seconds * 1000;
      expect(totp(seeds.sha1, now, { digits: 8 })).toBe(sha1);
      expect(totp(seeds.sha256, now, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
      expect(totp(seeds.sha512, now, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
    }
  });

  it('gives 6-digit codes by default, the last six digits of the 8-digit value', () => {
    expect(totp(RFC_SEED_SHA1, 59_000)).toBe('287082');
  });
});

describe('base32', () => {
  it('matches RFC 4648 test vectors (unpadded)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [text, encoded] of vectors) {
      expect(base32Encode(Buffer.from(text))).toBe(encoded);
      expect(base32Decode(`${encoded}======`.slice(0, Math.ceil(encoded.length / 8) * 8))?.toString()).toBe(text);
    }
  });

  it('round-trips any bytes, and reads secrets typed in lower case with spaces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const encoded = base32Encode(bytes);
        expect(base32Decode(encoded)?.equals(Buffer.from(bytes))).toBe(true);
        const typed = encoded.toLowerCase().replace(/(.{4})/g, '$1 ');
        expect(base32Decode(typed)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('refuses characters outside the alphabet and impossible lengths', () => {
    expect(base32Decode('MZXW1')).toBeUndefined();
    expect(base32Decode('MZXW6Y0')).toBeUndefined();
    expect(base32Decode('M')).toBeUndefined();
    expect(base32Decode('x'.repeat(10_000))).toBeUndefined();
  });
});

describe('generateTotpSecret', () => {
  it('makes 160-bit secrets as 32 base32 characters, different each time', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(TOTP_SECRET_BYTES);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('uses the injected random source', () => {
    expect(generateTotpSecret((size) => new Uint8Array(size))).toBe('A'.repeat(32));
  });
});

describe('verifyTotp', () => {
  const secret = base32Encode(RFC_SEED_SHA1);
  const now = 1_111_111_111_000;
  const step = totpStep(now);
  const codeAt = (offset: number) => hotp(RFC_SEED_SHA1, step + offset);

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp(secret, codeAt(0), { now })).toEqual({ valid: true, step });
    expect(verifyTotp(secret, `${codeAt(0).slice(0, 3)} ${codeAt(0).slice(3)}`, { now })).toEqual({
      valid: true,
      step,
    });
  });

  it('accepts one step of drift either way, and no more', () => {
    expect(verifyTotp(secret, codeAt(-1), { now })).toEqual({ valid: true, step: step - 1 });
    expect(verifyTotp(secret, codeAt(1), { now })).toEqual({ valid: true, step: step + 1 });
    expect(verifyTotp(secret, codeAt(-2), { now })).toEqual({ valid: false, reason: 'wrong_code' });
    expect(verifyTotp(secret, codeAt(2), { now })).toEqual({ valid: false, reason: 'wrong_code' });
    expect(verifyTotp(secret, codeAt(-1), { now, window: 0 })).toEqual({ valid: false, reason: 'wrong_code' });
  });

  it('refuses a code of an already-used step, so a seen code cannot be replayed', () => {
    const first = verifyTotp(secret, codeAt(0), { now });
    expect(first.valid).toBe(true);
    const lastUsedStep = first.valid ? first.step : -1;
    expect(verifyTotp(secret, codeAt(0), { now, lastUsedStep })).toEqual({ valid: false, reason: 'replayed' });
    expect(verifyTotp(secret, codeAt(-1), { now, lastUsedStep })).toEqual({ valid: false, reason: 'replayed' });
    // The next step's code is still good after the used one.
    expect(verifyTotp(secret, codeAt(1), { now: now + 30_000, lastUsedStep })).toEqual({
      valid: true,
      step: step + 1,
    });
  });

  it('reports malformed codes and broken secrets without throwing', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12345a', '1'.repeat(1000), undefined as unknown as string]) {
      expect(verifyTotp(secret, code, { now })).toEqual({ valid: false, reason: 'malformed_code' });
    }
    expect(verifyTotp('not base32!', '123456', { now })).toEqual({ valid: false, reason: 'invalid_secret' });
    expect(verifyTotp('', '123456', { now })).toEqual({ valid: false, reason: 'invalid_secret' });
    expect(verifyTotp(secret, '123456', { now: Number.NaN })).toEqual({ valid: false, reason: 'invalid_secret' });
    expect(() => verifyTotp(secret, '123456', { now, period: 0 })).toThrow(RangeError);
  });

  it('accepts a code generated by totp() for any secret and time', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 32 }), fc.integer({ min: 0, max: 4e12 }), (key, time) => {
        const result = verifyTotp(base32Encode(key), totp(key, time), { now: time });
        expect(result).toEqual({ valid: true, step: expect.any(Number) });
      }),
    );
  });
});

describe('otpauthUri', () => {
  it('builds the key URI authenticator apps read', () => {
    expect(otpauthUri({ issuer: 'Sightline', account: 'ada@example.com', secret: 'jbsw y3dp ehpk 3pxp' })).toBe(
      'otpauth://totp/Sightline:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Sightline&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('encodes spaces and colons so the label stays unambiguous', () => {
    const uri = new URL(otpauthUri({ issuer: 'Acme: Analytics', account: 'a b@example.com', secret: 'AAAA' }));
    expect(uri.host).toBe('totp');
    expect(uri.pathname).toBe('/Acme%3A%20Analytics:a%20b%40example.com');
    expect(uri.searchParams.get('issuer')).toBe('Acme: Analytics');
    expect(uri.search).not.toContain('+');
  });
});
