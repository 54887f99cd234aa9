import { describe, expect, it } from 'vitest';
import type { UserToken, UserTokenPurpose } from '../../domain/account.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

const HOUR = 3_600_000;
const NOW = new Date('2025-04-01T09:00:00.000Z');

describe.each(META_TEST_ENGINES)('single-use mail tokens on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  async function token(userId: number, overrides: Partial<UserToken> = {}): Promise<UserToken> {
    const created: UserToken = {
      hash: unique('token-hash'),
      userId,
      purpose: 'reset_password',
      newEmail: null,
      expiresAt: new Date(NOW.getTime() + HOUR),
      usedAt: null,
      createdAt: NOW,
      ...overrides,
    };
    await meta.store.userTokens.create(created);
    return created;
  }

  it('consumes a valid token once and returns it with its details', async () => {
    const user = await meta.user();
    const created = await token(user.id, { purpose: 'change_email', newEmail: 'new@example.com' });
    const consumed = await meta.store.userTokens.consume(created.hash, 'change_email', NOW);
    expect(consumed).toEqual({ ...created, usedAt: NOW });
    expect(await meta.store.userTokens.consume(created.hash, 'change_email', NOW)).toBeUndefined();
  });

  it('refuses a token for another purpose, an expired one and an unknown one', async () => {
    const user = await meta.user();
    const created = await token(user.id, { purpose: 'verify_email' });
    expect(await meta.store.userTokens.consume(created.hash, 'reset_password', NOW)).toBeUndefined();
    expect(await meta.store.userTokens.consume(created.hash, 'verify_email', created.expiresAt)).toBeUndefined();
    expect(await meta.store.userTokens.consume('unknown', 'verify_email', NOW)).toBeUndefined();
    expect(await meta.store.userTokens.consume(created.hash, 'bogus' as UserTokenPurpose, NOW)).toBeUndefined();
    // None of that used it up.
    expect(await meta.store.userTokens.consume(created.hash, 'verify_email', NOW)).toMatchObject({
      hash: created.hash,
    });
  });

  it('lets exactly one of several simultaneous clicks on one link through', async () => {
    const user = await meta.user();
    const created = await token(user.id);
    const other = await meta.openAnother();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        (index % 2 === 0 ? meta.store : other).userTokens.consume(created.hash, 'reset_password', NOW),
      ),
    );
    expect(results.filter((result) => result !== undefined)).toHaveLength(1);
  });

  it('a new link voids the user’s older unused ones of that purpose only', async () => {
    const user = await meta.user();
    const other = await meta.user();
    const first = await token(user.id);
    const second = await token(user.id);
    const used = await token(user.id);
    await meta.store.userTokens.consume(used.hash, 'reset_password', NOW);
    const verify = await token(user.id, { purpose: 'verify_email' });
    const othersReset = await token(other.id);
    expect(await meta.store.userTokens.deleteForUser(user.id, 'reset_password')).toBe(2);
    expect(await meta.store.userTokens.consume(first.hash, 'reset_password', NOW)).toBeUndefined();
    expect(await meta.store.userTokens.consume(second.hash, 'reset_password', NOW)).toBeUndefined();
    expect(await meta.store.userTokens.consume(verify.hash, 'verify_email', NOW)).toBeDefined();
    expect(await meta.store.userTokens.consume(othersReset.hash, 'reset_password', NOW)).toBeDefined();
  });

  it('deletes expired tokens and keeps live ones', async () => {
    const user = await meta.user();
    const sweepAt = new Date('2031-01-01T00:00:00.000Z');
    const expired = await token(user.id, { expiresAt: new Date(sweepAt.getTime() - 1) });
    const live = await token(user.id, { expiresAt: new Date(sweepAt.getTime() + HOUR) });
    const removed = await meta.store.userTokens.deleteExpired(sweepAt);
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await meta.store.userTokens.consume(expired.hash, 'reset_password', NOW)).toBeUndefined();
    expect(await meta.store.userTokens.consume(live.hash, 'reset_password', NOW)).toBeDefined();
  });
});
