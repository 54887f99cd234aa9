import { describe, expect, it } from 'vitest';
import { META_TEST_ENGINES, useMigratedMetaStore } from '../storage/meta/test-engines.fixture.js';
import { createSessionService } from './sessions.js';
import { createTokens, deriveTokenKey } from './tokens.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const IDLE = 2 * HOUR;
const MAX_AGE = 8 * HOUR;

/** Sessions on a real metadata store, with a clock the test moves: idle and absolute expiry, revocation, storage. */
describe.each(META_TEST_ENGINES)('browser sessions on $name', (engine) => {
  const meta = useMigratedMetaStore(engine);

  function service() {
    const clock = { now: Date.parse('2025-03-01T09:00:00Z') };
    const sessions = createSessionService({
      sessions: meta.store.loginSessions,
      users: meta.store.users,
      tokens: createTokens({ key: deriveTokenKey('a-test-server-secret-of-at-least-32-characters') }),
      idleTimeoutMs: IDLE,
      maxAgeMs: MAX_AGE,
      now: () => clock.now,
    });
    return { sessions, clock };
  }

  it('ends a session left unused for the idle timeout, and deletes it', async () => {
    const { sessions, clock } = service();
    const user = await meta.user();
    const { token, session } = await sessions.create(user, { userAgent: 'test', country: '' });
    clock.now += IDLE - MINUTE;
    expect((await sessions.authenticate(token))?.user.id).toBe(user.id);
    // Used a minute before the idle limit: the limit counts again from that use.
    clock.now += IDLE - MINUTE;
    expect((await sessions.authenticate(token))?.user.id).toBe(user.id);
    clock.now += IDLE;
    expect(await sessions.authenticate(token)).toBeUndefined();
    expect(await meta.store.loginSessions.findById(session.id)).toBeUndefined();
  });

  it('ends a session at its absolute expiry however active it is', async () => {
    const { sessions, clock } = service();
    const user = await meta.user();
    const { token } = await sessions.create(user, { userAgent: 'test', country: '' });
    for (let used = 0; used < MAX_AGE - HOUR; used += HOUR) {
      clock.now += HOUR;
      expect(await sessions.authenticate(token), `after ${used / HOUR + 1} h`).toBeDefined();
    }
    clock.now += HOUR;
    expect(await sessions.authenticate(token)).toBeUndefined();
    expect(sessions.cookieMaxAgeSeconds).toBe(MAX_AGE / 1000);
  });

  it('revokes at once, by token, by id and all others, and stores only a hash of the token', async () => {
    const { sessions } = service();
    const user = await meta.user();
    const first = await sessions.create(user, { userAgent: 'a', country: '' });
    const second = await sessions.create(user, { userAgent: 'b', country: '' });
    const third = await sessions.create(user, { userAgent: 'c', country: '' });
    for (const { token, session } of [first, second, third]) {
      expect(token).toMatch(/^sl_sess_[0-9A-Za-z]{40}$/);
      expect(session.id).not.toContain(token.slice(8));
      expect(await meta.store.loginSessions.findById(token)).toBeUndefined();
    }

    await sessions.revokeToken(first.token);
    expect(await sessions.authenticate(first.token)).toBeUndefined();
    expect(await sessions.revokeOthers(user.id, third.session.id)).toBe(1);
    expect(await sessions.authenticate(second.token)).toBeUndefined();
    expect(await sessions.authenticate(third.token)).toBeDefined();
    expect(await sessions.revoke(user.id + 1_000_000, third.session.id)).toBe(false);
    expect(await sessions.revoke(user.id, third.session.id)).toBe(true);
    expect(await sessions.authenticate(third.token)).toBeUndefined();
  });

  it('accepts no other kind of token, nor the stored hash, as a session', async () => {
    const { sessions } = service();
    const user = await meta.user();
    const { token, session } = await sessions.create(user, { userAgent: 'test', country: '' });
    const tokens = createTokens({ key: deriveTokenKey('a-test-server-secret-of-at-least-32-characters') });
    expect(await sessions.authenticate(session.id)).toBeUndefined();
    expect(await sessions.authenticate(token.replace('sl_sess_', 'sl_live_'))).toBeUndefined();
    expect(await sessions.authenticate(tokens.newToken('sl_reset').token)).toBeUndefined();
    expect(await sessions.authenticate(`${token}x`)).toBeUndefined();
    expect(await sessions.authenticate(undefined)).toBeUndefined();
  });
});
