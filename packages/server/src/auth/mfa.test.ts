import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../domain/account.js';
import { HttpError } from '../http/errors.js';
import { createLogger } from '../logging.js';
import { createMetaStore } from '../storage/meta/index.js';
import type { MetaStore } from '../storage/meta/meta-store.js';
import { deriveBackupCodeKey } from './backup-codes.js';
import { createMfaService, type MfaService, mfaEnabled } from './mfa.js';
import { createSecretBox, deriveSecretBoxKey } from './secret-box.js';
import { base32Decode, totp } from './totp.js';

const SECRET = 'mfa-test-secret-0123456789-abcdefghijklmnop';

describe('MFA service on a real metadata store', () => {
  let meta: MetaStore;
  let mfa: MfaService;
  let now = Date.UTC(2025, 5, 1, 12, 0, 5);
  let logs = '';

  beforeAll(async () => {
    meta = await createMetaStore({ dataDir: mkdtempSync(join(tmpdir(), 'sightline-mfa-')) });
    await meta.migrate();
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logs += chunk;
        done();
      },
    });
    mfa = createMfaService({
      users: meta.users,
      backupCodes: meta.backupCodes,
      secretBox: createSecretBox([deriveSecretBoxKey(SECRET)]),
      backupCodeKey: deriveBackupCodeKey(SECRET),
      issuer: 'Sightline (sightline.test)',
      logger: createLogger({ level: 'info', destination }),
      now: () => now,
    });
  });

  afterAll(async () => {
    await meta?.close();
  });

  const reload = async (user: User) => (await meta.users.findById(user.id))!;
  const newUser = (email: string) => meta.users.create({ email, name: email, passwordHash: null });

  it('enrols with a sealed, pending secret and turns on with a code from it', async () => {
    let user = await newUser('ada@example.com');
    const enrolment = await mfa.beginSetup(user);
    user = await reload(user);
    expect(user.mfaSecretSealed).not.toContain(enrolment.secret);
    expect(user.mfaSecretSealed).toMatch(/^v1\./);
    expect(mfaEnabled(user)).toBe(false);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.qrSvg).toMatch(/^<svg/);

    const key = base32Decode(enrolment.secret)!;
    const wrong = await mfa.confirm(user, totp(key, now + 5 * 30_000)).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(HttpError);
    expect((wrong as HttpError).statusCode).toBe(400);
    expect(mfaEnabled(await reload(user))).toBe(false);

    const codes = await mfa.confirm(user, totp(key, now));
    expect(codes).toHaveLength(10);
    user = await reload(user);
    expect(mfaEnabled(user)).toBe(true);
    await expect(mfa.beginSetup(user)).rejects.toMatchObject({ statusCode: 409 });

    // The confirming code is spent; so is any earlier one.
    expect(await mfa.verifySecondFactor(user, totp(key, now))).toEqual({ ok: false, reason: 'replayed' });
    expect(await mfa.verifySecondFactor(user, totp(key, now - 30_000))).toEqual({ ok: false, reason: 'replayed' });

    // Two requests with the same fresh code at once: exactly one signs in.
    now += 30_000;
    user = await reload(user);
    const code = totp(key, now);
    const results = await Promise.all([mfa.verifySecondFactor(user, code), mfa.verifySecondFactor(user, code)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);

    // Backup codes: once each, also when raced; case and separators do not matter.
    const backup = codes[0]!;
    const raced = await Promise.all([
      mfa.verifySecondFactor(user, backup.toUpperCase()),
      mfa.verifySecondFactor(user, backup.replace('-', ' ')),
    ]);
    expect(raced.filter((r) => r.ok)).toEqual([{ ok: true, method: 'backup_code', backupCodesLeft: 9 }]);
    expect((await mfa.verifySecondFactor(user, backup)).ok).toBe(false);

    // A new set voids the old one.
    const fresh = await mfa.regenerateBackupCodes(user);
    expect((await mfa.verifySecondFactor(user, codes[1]!)).ok).toBe(false);
    expect(await mfa.verifySecondFactor(user, fresh[0]!)).toMatchObject({ ok: true, backupCodesLeft: 9 });

    await mfa.disable(user);
    user = await reload(user);
    expect(mfaEnabled(user)).toBe(false);
    expect(user.mfaSecretSealed).toBeNull();
    expect(user.mfaLastStep).toBeNull();
    expect(await meta.backupCodes.listUnused(user.id)).toEqual([]);
    expect((await mfa.verifySecondFactor(user, fresh[1]!)).ok).toBe(false);
  });

  it('will not open a secret copied into another account', async () => {
    let victim = await newUser('victim@example.com');
    let attacker = await newUser('attacker@example.com');
    const enrolment = await mfa.beginSetup(victim);
    await mfa.confirm(await reload(victim), totp(base32Decode(enrolment.secret)!, now));
    victim = await reload(victim);
    await meta.users.update(attacker.id, { mfaSecretSealed: victim.mfaSecretSealed, mfaEnabledAt: new Date(now) });
    attacker = await reload(attacker);
    now += 30_000;
    const code = totp(base32Decode(enrolment.secret)!, now);
    expect(await mfa.verifySecondFactor(attacker, code)).toEqual({ ok: false, reason: 'wrong_code' });
    expect(logs).toContain('cannot be opened');
    expect(await mfa.verifySecondFactor(victim, code)).toEqual({ ok: true, method: 'totp' });
  });
});
