import { describe, expect, it } from 'vitest';
import type { LoginSession } from '../../domain/account.js';
import { META_TEST_ENGINES, unique, useMigratedMetaStore } from './test-engines.fixture.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe.each(META_TEST_ENGINES)('login sessions on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  async function session(userId: number, overrides: Partial<LoginSession> = {}): Promise<LoginSession> {
    const now = new Date('2025-01-10T12:00:00.000Z');
    const created: LoginSession = {
      id: unique('session-hash'),
      userId,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      country: 'NL',
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + 30 * DAY),
      ...overrides,
    };
    await meta.store.loginSessions.create(created);
    return created;
  }

  it('stores a session and reads every field back', async () => {
    const user = await meta.user();
    const created = await session(user.id);
    expect(await meta.store.loginSessions.findById(created.id)).toEqual(created);
    expect(await meta.store.loginSessions.findById('unknown')).toBeUndefined();
    expect(await meta.store.loginSessions.findById('')).toBeUndefined();
  });

  it('moves last-seen forward only', async () => {
    const user = await meta.user();
    const created = await session(user.id);
    const later = new Date(created.lastSeenAt.getTime() + 5 * MINUTE);
    await meta.store.loginSessions.touch(created.id, later);
    expect((await meta.store.loginSessions.findById(created.id))?.lastSeenAt).toEqual(later);
    await meta.store.loginSessions.touch(created.id, new Date(created.lastSeenAt.getTime() + MINUTE));
    expect((await meta.store.loginSessions.findById(created.id))?.lastSeenAt).toEqual(later);
    await meta.store.loginSessions.touch('unknown', later);
  });

  it('lists a user’s sessions, most recently used first, and only theirs', async () => {
    const user = await meta.user();
    const other = await meta.user();
    const base = new Date('2025-02-01T00:00:00.000Z');
    const older = await session(user.id, { lastSeenAt: base });
    const newer = await session(user.id, { lastSeenAt: new Date(base.getTime() + MINUTE) });
    await session(other.id);
    expect(await meta.store.loginSessions.listForUser(user.id)).toEqual([newer, older]);
    expect(await meta.store.loginSessions.listForUser(2 ** 40)).toEqual([]);
  });

  it('signs out one session only for its own user', async () => {
    const user = await meta.user();
    const intruder = await meta.user();
    const created = await session(user.id);
    expect(await meta.store.loginSessions.deleteForUser(intruder.id, created.id)).toBe(false);
    expect(await meta.store.loginSessions.findById(created.id)).toBeDefined();
    expect(await meta.store.loginSessions.deleteForUser(user.id, created.id)).toBe(true);
    expect(await meta.store.loginSessions.deleteForUser(user.id, created.id)).toBe(false);
    expect(await meta.store.loginSessions.findById(created.id)).toBeUndefined();
  });

  it('signs out everywhere, optionally except the current session', async () => {
    const user = await meta.user();
    const other = await meta.user();
    const current = await session(user.id);
    await session(user.id);
    await session(user.id);
    const untouched = await session(other.id);
    expect(await meta.store.loginSessions.deleteAllForUser(user.id, current.id)).toBe(2);
    expect(await meta.store.loginSessions.listForUser(user.id)).toEqual([current]);
    expect(await meta.store.loginSessions.deleteAllForUser(user.id)).toBe(1);
    expect(await meta.store.loginSessions.listForUser(user.id)).toEqual([]);
    expect(await meta.store.loginSessions.findById(untouched.id)).toEqual(untouched);
  });

  it('deletes sessions past their absolute expiry or idle too long, and keeps the rest', async () => {
    const user = await meta.user();
    // Earlier than every other test's sessions, so the sweep finds only this test's.
    const now = new Date('2024-03-01T12:00:00.000Z');
    const idleBefore = new Date(now.getTime() - 7 * DAY);
    const expired = await session(user.id, {
      createdAt: new Date(now.getTime() - 31 * DAY),
      lastSeenAt: now,
      expiresAt: now,
    });
    const idle = await session(user.id, {
      createdAt: new Date(now.getTime() - 10 * DAY),
      lastSeenAt: new Date(idleBefore.getTime() - 1),
      expiresAt: new Date(now.getTime() + DAY),
    });
    const live = await session(user.id, {
      createdAt: new Date(now.getTime() - 8 * DAY),
      lastSeenAt: idleBefore,
      expiresAt: new Date(now.getTime() + 1),
    });
    expect(await meta.store.loginSessions.deleteExpired(now, idleBefore)).toBe(2);
    expect(await meta.store.loginSessions.findById(expired.id)).toBeUndefined();
    expect(await meta.store.loginSessions.findById(idle.id)).toBeUndefined();
    expect(await meta.store.loginSessions.findById(live.id)).toEqual(live);
  });
});
