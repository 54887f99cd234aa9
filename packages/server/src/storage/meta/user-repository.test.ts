import { describe, expect, it } from 'vitest';
import { DuplicateEmailError } from './meta-store.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore, withRawDatabase } from './test-engines.fixture.js';

const HOUR = 3_600_000;

describe.each(META_TEST_ENGINES)('users on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  it('creates a user with safe defaults and reads every field back', async () => {
    const before = Date.now();
    const email = `${unique('create')}@example.com`;
    const user = await meta.store.users.create({ email, name: 'Ada', passwordHash: '$argon2id$hash' });
    expect(user).toMatchObject({
      email,
      name: 'Ada',
      passwordHash: '$argon2id$hash',
      isInstanceOwner: false,
      emailVerifiedAt: null,
      mfaSecretSealed: null,
      mfaEnabledAt: null,
      mfaLastStep: null,
      failedLogins: 0,
      lockedUntil: null,
    });
    expect(Number.isInteger(user.id) && user.id > 0).toBe(true);
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(user.updatedAt).toBeInstanceOf(Date);
    expect(await meta.store.users.findById(user.id)).toEqual(user);
    expect(await meta.store.users.findByEmail(email)).toEqual(user);
  });

  it('keeps the instance-owner flag, verification time and a missing password (OIDC-only accounts)', async () => {
    const verified = new Date('2024-06-01T10:00:00.123Z');
    const owner = await meta.user({ isInstanceOwner: true, emailVerifiedAt: verified, passwordHash: null });
    const read = await meta.store.users.findById(owner.id);
    expect(read?.isInstanceOwner).toBe(true);
    expect(read?.emailVerifiedAt).toEqual(verified);
    expect(read?.passwordHash).toBeNull();
  });

  it('refuses a second account with the same email, also when two nodes create it at once', async () => {
    const email = `${unique('dupe')}@example.com`;
    await meta.user({ email });
    await expect(meta.user({ email })).rejects.toBeInstanceOf(DuplicateEmailError);

    const raced = `${unique('race')}@example.com`;
    const other = await meta.openAnother();
    const results = await Promise.allSettled([
      meta.store.users.create({ email: raced, name: 'A', passwordHash: null }),
      other.users.create({ email: raced, name: 'B', passwordHash: null }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(DuplicateEmailError);
  });

  it('updates only the given fields and can clear nullable ones', async () => {
    const user = await meta.user();
    const enabledAt = new Date('2024-07-01T00:00:00.000Z');
    const lockedUntil = new Date('2030-01-01T00:00:00.000Z');
    const updated = await meta.store.users.update(user.id, {
      name: 'Grace',
      mfaSecretSealed: 'sealed:abc',
      mfaEnabledAt: enabledAt,
      mfaLastStep: 57_000_000,
      failedLogins: 3,
      lockedUntil,
    });
    expect(updated).toMatchObject({
      email: user.email,
      name: 'Grace',
      passwordHash: user.passwordHash,
      mfaSecretSealed: 'sealed:abc',
      mfaEnabledAt: enabledAt,
      mfaLastStep: 57_000_000,
      failedLogins: 3,
      lockedUntil,
    });
    expect(updated?.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());
    expect(await meta.store.users.findById(user.id)).toEqual(updated);

    const cleared = await meta.store.users.update(user.id, {
      mfaSecretSealed: null,
      mfaEnabledAt: null,
      mfaLastStep: null,
      failedLogins: 0,
      lockedUntil: null,
    });
    expect(cleared).toMatchObject({
      name: 'Grace',
      mfaSecretSealed: null,
      mfaEnabledAt: null,
      mfaLastStep: null,
      failedLogins: 0,
      lockedUntil: null,
    });
  });

  it('changes the email, but not to one another account has', async () => {
    const user = await meta.user();
    const other = await meta.user();
    const fresh = `${unique('changed')}@example.com`;
    expect((await meta.store.users.update(user.id, { email: fresh }))?.email).toBe(fresh);
    expect(await meta.store.users.findByEmail(fresh)).toMatchObject({ id: user.id });
    await expect(meta.store.users.update(user.id, { email: other.email })).rejects.toBeInstanceOf(DuplicateEmailError);
    expect((await meta.store.users.findById(user.id))?.email).toBe(fresh);
  });

  it('answers undefined/false for unknown or impossible ids and emails', async () => {
    for (const id of [987_654, 0, -1, 2.5, 2 ** 31, 2 ** 40]) {
      expect(await meta.store.users.findById(id)).toBeUndefined();
      expect(await meta.store.users.update(id, { name: 'x' })).toBeUndefined();
      expect(await meta.store.users.recordFailedLogin(id, 5, new Date())).toBeUndefined();
      expect(await meta.store.users.acceptTotpStep(id, 100)).toBe(false);
    }
    expect(await meta.store.users.findByEmail('nobody@example.com')).toBeUndefined();
    expect(await meta.store.users.findByEmail('')).toBeUndefined();
  });

  it('counts failed sign-ins and locks the account when the limit is reached', async () => {
    const user = await meta.user();
    const lockUntil = new Date(Date.now() + HOUR);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const after = await meta.store.users.recordFailedLogin(user.id, 5, lockUntil);
      expect(after?.failedLogins).toBe(attempt);
      expect(after?.lockedUntil).toBeNull();
    }
    const fifth = await meta.store.users.recordFailedLogin(user.id, 5, lockUntil);
    expect(fifth?.failedLogins).toBe(5);
    expect(fifth?.lockedUntil).toEqual(lockUntil);
    expect((await meta.store.users.findById(user.id))?.lockedUntil).toEqual(lockUntil);

    // Further failures keep the account locked, to the newest lock time.
    const later = new Date(lockUntil.getTime() + HOUR);
    expect((await meta.store.users.recordFailedLogin(user.id, 5, later))?.lockedUntil).toEqual(later);
  });

  it('counts every one of many concurrent failed sign-ins', async () => {
    const user = await meta.user();
    const other = await meta.openAnother();
    const lockUntil = new Date(Date.now() + HOUR);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? meta.store : other).users.recordFailedLogin(user.id, 10, lockUntil),
      ),
    );
    const counts = results.map((result) => result?.failedLogins).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(counts).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    // Exactly the failures from the tenth on saw the lock set.
    expect(results.filter((result) => result?.lockedUntil !== null)).toHaveLength(3);
    const stored = await meta.store.users.findById(user.id);
    expect(stored?.failedLogins).toBe(12);
    expect(stored?.lockedUntil).toEqual(lockUntil);
  });

  it('refuses a nonsensical lockout limit', async () => {
    const user = await meta.user();
    await expect(meta.store.users.recordFailedLogin(user.id, 0, new Date())).rejects.toBeInstanceOf(RangeError);
  });

  it('accepts each TOTP step once and never an earlier one', async () => {
    const user = await meta.user();
    expect(await meta.store.users.acceptTotpStep(user.id, 1000)).toBe(true);
    expect((await meta.store.users.findById(user.id))?.mfaLastStep).toBe(1000);
    expect(await meta.store.users.acceptTotpStep(user.id, 1000)).toBe(false);
    expect(await meta.store.users.acceptTotpStep(user.id, 999)).toBe(false);
    expect(await meta.store.users.acceptTotpStep(user.id, 1001)).toBe(true);
    expect(await meta.store.users.acceptTotpStep(user.id, -1)).toBe(false);
    expect(await meta.store.users.acceptTotpStep(user.id, 1002.5)).toBe(false);
    expect((await meta.store.users.findById(user.id))?.mfaLastStep).toBe(1001);
  });

  it('lets exactly one of several concurrent uses of one TOTP code through', async () => {
    const user = await meta.user();
    const other = await meta.openAnother();
    const step = 58_000_000;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        (index % 2 === 0 ? meta.store : other).users.acceptTotpStep(user.id, step),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('counts and lists users in creation order', async () => {
    const before = await meta.store.users.count();
    const first = await meta.user();
    const second = await meta.user();
    expect(await meta.store.users.count()).toBe(before + 2);
    const ids = (await meta.store.users.list()).map((user) => user.id);
    expect(ids).toHaveLength(before + 2);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
  });

  describe('OpenID Connect identities', () => {
    it('links an identity to an account and finds it by issuer and subject', async () => {
      const user = await meta.user();
      const issuer = 'https://accounts.example.com';
      const subject = unique('sub');
      expect(await meta.store.oidcIdentities.findUserId(issuer, subject)).toBeUndefined();
      await meta.store.oidcIdentities.link(issuer, subject, user.id);
      expect(await meta.store.oidcIdentities.findUserId(issuer, subject)).toBe(user.id);
      // The same subject at another issuer is another identity.
      expect(await meta.store.oidcIdentities.findUserId('https://other.example', subject)).toBeUndefined();
      // Linking again is harmless.
      await meta.store.oidcIdentities.link(issuer, subject, user.id);
      expect(await meta.store.oidcIdentities.findUserId(issuer, subject)).toBe(user.id);
    });

    it('refuses to link one identity to a second account', async () => {
      const first = await meta.user();
      const second = await meta.user();
      const subject = unique('sub');
      await meta.store.oidcIdentities.link('https://idp.example', subject, first.id);
      await expect(meta.store.oidcIdentities.link('https://idp.example', subject, second.id)).rejects.toThrow(
        /already linked to another account/,
      );
      expect(await meta.store.oidcIdentities.findUserId('https://idp.example', subject)).toBe(first.id);
    });
  });

  it('deleting a user row removes everything that belongs to the account', async () => {
    const { store } = meta;
    const user = await meta.user();
    const bystander = await meta.user();
    const site = await meta.site();
    const now = new Date();
    const later = new Date(now.getTime() + HOUR);
    const sessionId = unique('session');
    await store.loginSessions.create({
      id: sessionId,
      userId: user.id,
      userAgent: 'ua',
      country: 'FR',
      createdAt: now,
      lastSeenAt: now,
      expiresAt: later,
    });
    const tokenHash = unique('token');
    await store.userTokens.create({
      hash: tokenHash,
      userId: user.id,
      purpose: 'verify_email',
      newEmail: null,
      expiresAt: later,
      usedAt: null,
      createdAt: now,
    });
    await store.backupCodes.replace(user.id, ['code-a', 'code-b']);
    await store.oidcIdentities.link('https://idp.example', unique('sub'), user.id);
    await store.audit.append({
      userId: user.id,
      siteId: null,
      action: 'login.succeeded',
      ip: '192.0.2.7',
      country: 'FR',
      userAgent: 'ua',
      details: {},
    });
    await store.members.upsert(site.id, user.id, 'admin');
    await store.members.upsert(site.id, bystander.id, 'owner');
    const key = await store.apiKeys.create({
      userId: user.id,
      name: 'CI',
      lookupId: unique('lookup'),
      hash: unique('api-hash'),
      scopes: ['stats:read'],
      expiresAt: null,
    });
    const invitation = await store.invitations.create({
      siteId: site.id,
      email: `${unique('invitee')}@example.com`,
      role: 'viewer',
      tokenHash: unique('invite'),
      invitedBy: user.id,
      expiresAt: later,
    });
    const ingestKey = await store.ingestKeys.create({
      siteId: site.id,
      name: 'Server',
      lookupId: unique('lookup'),
      hash: unique('ingest-hash'),
      expiresAt: null,
      rateLimitPerMinute: 100,
      createdBy: user.id,
    });

    // The store has no "delete account" operation; the schema must still clean up when a row goes.
    await withRawDatabase(meta.options, (db) => db.deleteFrom('users').where('id', '=', user.id).execute());

    expect(await store.users.findById(user.id)).toBeUndefined();
    expect(await store.loginSessions.findById(sessionId)).toBeUndefined();
    expect(await store.userTokens.consume(tokenHash, 'verify_email', now)).toBeUndefined();
    expect(await store.backupCodes.listUnused(user.id)).toEqual([]);
    expect(await store.audit.listForUser(user.id)).toEqual([]);
    expect(await store.members.find(site.id, user.id)).toBeUndefined();
    expect(await store.apiKeys.findById(key.id)).toBeUndefined();
    expect(await store.invitations.findById(invitation.id)).toBeUndefined();
    // The site, its other members and the keys its apps send with outlive the account that made them.
    expect(await store.sites.findById(site.id)).toBeDefined();
    expect(await store.members.find(site.id, bystander.id)).toMatchObject({ role: 'owner' });
    expect(await store.ingestKeys.findById(ingestKey.id)).toMatchObject({ createdBy: user.id });
  });
});
