import { readFileSync } from 'node:fs';
import { verify as argon2Verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  createCommonPasswordList,
  dummyHashFor,
  dummyVerify,
  hashPassword,
  loadCommonPasswordList,
  needsRehash,
  normalizeEmail,
  PASSWORD_HASH_PARAMS,
  type PasswordHashParams,
  SHIPPED_COMMON_PASSWORDS_FILE,
  verifyPassword,
} from './passwords.js';

// Cheap parameters keep the suite fast; production defaults are exercised once below.
const FAST: PasswordHashParams = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('hashPassword / verifyPassword', () => {
  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple', FAST);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await verifyPassword(stored, 'correct horse battery staple', FAST)).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery stapler', FAST)).toBe(false);
    expect(await verifyPassword(stored, 'Correct horse battery staple', FAST)).toBe(false);
  });

  it('salts every hash, so two users with one password get different hashes', async () => {
    expect(await hashPassword('same password here', FAST)).not.toBe(await hashPassword('same password here', FAST));
  });

  it('matches a password typed with composed or decomposed accents', async () => {
    const stored = await hashPassword('caf\u00e9 au lait 42', FAST);
    expect(await verifyPassword(stored, 'cafe\u0301 au lait 42', FAST)).toBe(true);
  });

  it('uses the documented argon2id production parameters by default', async () => {
    const stored = await hashPassword('production default check');
    expect(stored).toContain(
      `$argon2id$v=19$m=${PASSWORD_HASH_PARAMS.memoryCost},t=${PASSWORD_HASH_PARAMS.timeCost},p=${PASSWORD_HASH_PARAMS.parallelism}$`,
    );
    expect(PASSWORD_HASH_PARAMS.memoryCost).toBeGreaterThanOrEqual(19_456);
    expect(await verifyPassword(stored, 'production default check')).toBe(true);
    expect(needsRehash(stored)).toBe(false);
  });

  it('treats malformed hashes and hostile inputs as a mismatch, never an exception', async () => {
    const stored = await hashPassword('a fine password', FAST);
    for (const hash of ['', 'plaintext', '$2b$10$abcdefghijklmnopqrstuv', '$argon2id$garbage', 'x'.repeat(10_000)]) {
      expect(await verifyPassword(hash, 'a fine password', FAST)).toBe(false);
    }
    expect(await verifyPassword(stored, 'x'.repeat(1_000_000), FAST)).toBe(false);
    expect(await verifyPassword(stored, '', FAST)).toBe(false);
    expect(await verifyPassword(stored, undefined as unknown as string, FAST)).toBe(false);
    await expect(hashPassword('x'.repeat(1_000_000), FAST)).rejects.toThrow(TypeError);
  });

  it('asks for a rehash when the stored parameters differ from the current ones', async () => {
    const old = await hashPassword('upgrade me please', FAST);
    expect(needsRehash(old, FAST)).toBe(false);
    expect(needsRehash(old, { ...FAST, timeCost: 2 })).toBe(true);
    expect(needsRehash('not a hash', FAST)).toBe(true);
  });
});

describe('dummyVerify', () => {
  // Not a timing test (those are flaky on shared machines): it checks that the dummy is a real argon2id hash with the
  // production-shaped parameters, so verifying it costs what a real verify costs, by construction.
  it('verifies against a well-formed argon2id hash with the given parameters and answers no', async () => {
    const dummy = dummyHashFor(FAST);
    expect(dummy).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    await expect(argon2Verify(dummy, 'any password')).resolves.toBe(false);
    expect(dummyHashFor(PASSWORD_HASH_PARAMS)).toContain(
      `m=${PASSWORD_HASH_PARAMS.memoryCost},t=${PASSWORD_HASH_PARAMS.timeCost},p=${PASSWORD_HASH_PARAMS.parallelism}$`,
    );
    expect(await dummyVerify(FAST)).toBe(false);
  });
});

describe('checkPasswordPolicy', () => {
  const list = createCommonPasswordList(['password1', 'iloveyou2', 'sunshine']);

  it('accepts a reasonable password', () => {
    expect(checkPasswordPolicy('violet-kettle-harbour', { commonPasswords: list })).toBeUndefined();
    expect(checkPasswordPolicy('correct horse battery staple')).toBeUndefined();
  });

  it('asks for 8 to 128 characters, counting what the user sees', () => {
    expect(checkPasswordPolicy('', { commonPasswords: list })).toBe('Enter a password.');
    expect(checkPasswordPolicy('short1!', { commonPasswords: list })).toBe('Use at least 8 characters.');
    // Four emoji are 8 UTF-16 units but 4 characters.
    expect(checkPasswordPolicy('🔒🔑🔒🔑', { commonPasswords: list })).toBe('Use at least 8 characters.');
    expect(checkPasswordPolicy('🔒🔑🔒🔑🔒🔑🔒🔑', { commonPasswords: list })).toBeUndefined();
    expect(checkPasswordPolicy('a'.repeat(128), { commonPasswords: list })).toBeUndefined();
    expect(checkPasswordPolicy('a'.repeat(129), { commonPasswords: list })).toBe('Use at most 128 characters.');
    expect(checkPasswordPolicy('a'.repeat(100_000), { commonPasswords: list })).toBe('Use at most 128 characters.');
  });

  it('refuses common passwords whatever their case', () => {
    expect(checkPasswordPolicy('PassWord1', { commonPasswords: list })).toMatch(/too common/);
    expect(checkPasswordPolicy('SUNSHINE', { commonPasswords: list })).toMatch(/too common/);
  });

  it('refuses passwords from the shipped list', () => {
    for (const common of ['password', 'Password123', 'qwertyuiop', 'iloveyou', '12345678', 'letmein1', 'P@ssw0rd']) {
      expect(checkPasswordPolicy(common), common).toMatch(/too common/);
    }
  });

  it('refuses a password that is or contains the email local part', () => {
    const email = 'Ada.Lovelace@example.com';
    expect(checkPasswordPolicy('ada.lovelace', { email, commonPasswords: list })).toBe(
      'Your password must not contain your email address.',
    );
    expect(checkPasswordPolicy('xxADA.LOVELACE2024', { email, commonPasswords: list })).toMatch(/email/);
    expect(checkPasswordPolicy('ada.lovelace@example.com', { email, commonPasswords: list })).toMatch(/email/);
    // A two-letter local part is too short to rule out every password containing it.
    expect(
      checkPasswordPolicy('jolly-good-fellow', { email: 'jo@example.com', commonPasswords: list }),
    ).toBeUndefined();
  });

  it('ships about a thousand common passwords, all loadable', () => {
    const text = readFileSync(SHIPPED_COMMON_PASSWORDS_FILE, 'utf8');
    const loaded = loadCommonPasswordList();
    expect(loaded.size).toBeGreaterThanOrEqual(1000);
    expect(loaded.has('123456')).toBe(true);
    expect(loaded.has('# Common and breached passwords')).toBe(false);
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length).toBe(loaded.size);
  });
});

describe('normalizeEmail', () => {
  it('trims and lowercases both parts', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });

  it('keeps dots and plus tags: they may be distinct mailboxes', () => {
    expect(normalizeEmail('a.b+tag@gmail.com')).toBe('a.b+tag@gmail.com');
  });

  it('stores internationalised domains in their ASCII form', () => {
    expect(normalizeEmail('jürgen@Bücher.example')).toBe('jürgen@xn--bcher-kva.example');
  });

  it('refuses malformed addresses', () => {
    const bad = [
      '',
      'plain',
      '@example.com',
      'ada@',
      'ada@localhost',
      'a b@example.com',
      'ada@exa mple.com',
      'ada..b@example.com',
      '.ada@example.com',
      'ada.@example.com',
      '"quoted"@example.com',
      'ada@-example.com',
      'ada@example-.com',
      'ada@example..com',
      'ada@1.2.3.4',
      'ada@[127.0.0.1]',
      'a@b@example.com',
      `${'a'.repeat(65)}@example.com`,
      `ada@${'a'.repeat(250)}.com`,
      'x'.repeat(1_000_000),
    ];
    for (const email of bad) expect(normalizeEmail(email), email.slice(0, 40)).toBeUndefined();
    expect(normalizeEmail(42 as unknown as string)).toBeUndefined();
  });
});
