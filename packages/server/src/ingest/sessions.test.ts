import { describe, expect, it } from 'vitest';
import { SESSION_TIMEOUT_MS } from '../domain/event.js';
import { createMemoryStateStore } from '../storage/state/memory.js';
import { createSessionTracker, parseSessionRecord, type SessionEvent } from './sessions.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

function setup(now = T0) {
  let at = now;
  const clock = () => at;
  const state = createMemoryStateStore({ now: clock, sweepIntervalMs: 0 });
  const sessions = createSessionTracker({ state, clock });
  const track = async (event: Partial<SessionEvent> & { ts: number }) => {
    const outcome = await sessions.track({
      siteId: 1,
      visitorId: '111',
      name: 'pageview',
      pathname: '/',
      interactive: true,
      ...event,
    });
    if (!outcome.ok) throw new Error(outcome.reason);
    return outcome.session;
  };
  return { state, sessions, track, setNow: (ms: number) => (at = ms) };
}

describe('visitor sessions', () => {
  it('follows the store when another writer changed a session the tracker had just written', async () => {
    const { state, track } = setup();
    const first = await track({ ts: T0 });
    // Another node (or an operator) rewrites the record: the tracker must read the store, not its parse cache.
    await state.set('session:1:111', JSON.stringify({ ...first, pageviews: 7 }), 30 * MINUTE);
    const next = await track({ ts: T0 + MINUTE });
    expect(next.pageviews).toBe(8);
    expect(next.sessionId).toBe(first.sessionId);
  });

  it('stores the same record text as JSON.stringify of the session, continuing visits included', async () => {
    const { state, track } = setup();
    await track({ ts: T0 });
    const second = await track({ ts: T0 + MINUTE, name: 'click', interactive: true });
    expect(await state.get('session:1:111')).toBe(JSON.stringify(second));
    expect(Object.keys(second)).toEqual([
      'sessionId',
      'visitorId',
      'startedAt',
      'lastSeen',
      'entryPath',
      'pageviews',
      'interactions',
    ]);
  });

  it('keeps one session while the visitor is active and counts its pageviews', async () => {
    const { track } = setup();
    const first = await track({ ts: T0, pathname: '/landing' });
    const second = await track({ ts: T0 + 10 * MINUTE, pathname: '/pricing' });
    const third = await track({ ts: T0 + 39 * MINUTE, pathname: '/signup' });
    expect(second.sessionId).toBe(first.sessionId);
    expect(third.sessionId).toBe(first.sessionId);
    expect(third).toMatchObject({ startedAt: T0, lastSeen: T0 + 39 * MINUTE, entryPath: '/landing', pageviews: 3 });
  });

  it('starts a new session after 30 minutes of inactivity, measured on event time', async () => {
    const { track } = setup();
    const first = await track({ ts: T0 });
    const afterBreak = await track({ ts: T0 + SESSION_TIMEOUT_MS + 1, pathname: '/back' });
    expect(afterBreak.sessionId).not.toBe(first.sessionId);
    expect(afterBreak).toMatchObject({ entryPath: '/back', pageviews: 1, startedAt: T0 + SESSION_TIMEOUT_MS + 1 });
  });

  it('keeps sessions of different sites and visitors apart', async () => {
    const { track } = setup();
    await track({ ts: T0 });
    // (real visitor ids differ per site; the same id here shows the site alone separates the records)
    const otherSite = await track({ ts: T0 + MINUTE, siteId: 2 });
    const otherVisitor = await track({ ts: T0 + MINUTE, visitorId: '222' });
    const again = await track({ ts: T0 + 2 * MINUTE });
    expect(otherSite.pageviews).toBe(1);
    expect(otherVisitor.pageviews).toBe(1);
    expect(otherVisitor.sessionId).not.toBe(again.sessionId);
    expect(again.pageviews).toBe(2);
  });

  it('records bounce data: one pageview and no interaction is a bounce until something interactive happens', async () => {
    const { track } = setup();
    const landed = await track({ ts: T0 });
    expect(landed).toMatchObject({ pageviews: 1, interactions: 0 });
    const engaged = await track({ ts: T0 + MINUTE, name: 'engagement', interactive: false });
    expect(engaged).toMatchObject({ pageviews: 1, interactions: 0, lastSeen: T0 + MINUTE });
    const clicked = await track({ ts: T0 + 2 * MINUTE, name: 'Signup', interactive: true });
    expect(clicked).toMatchObject({ pageviews: 1, interactions: 1 });
  });

  it('lets engagement extend a session without counting a pageview', async () => {
    const { track } = setup();
    const first = await track({ ts: T0 });
    await track({ ts: T0 + 25 * MINUTE, name: 'engagement', interactive: false });
    // 50 minutes after the pageview, but only 25 after the engagement report: still the same visit
    const later = await track({ ts: T0 + 50 * MINUTE });
    expect(later.sessionId).toBe(first.sessionId);
    expect(later.pageviews).toBe(2);
  });

  it('does not start a session for an engagement report whose visit has ended', async () => {
    const { sessions } = setup();
    const outcome = await sessions.track({
      siteId: 1,
      visitorId: '9',
      ts: T0,
      name: 'engagement',
      pathname: '/',
      interactive: false,
    });
    expect(outcome).toEqual({ ok: false, reason: 'no_session_for_engagement' });
  });

  it("continues a visit over midnight UTC under yesterday's visitor id", async () => {
    const { track } = setup(Date.UTC(2026, 2, 1, 23, 50));
    const beforeMidnight = await track({
      ts: Date.UTC(2026, 2, 1, 23, 50),
      visitorId: 'yesterday-id',
      pathname: '/start',
    });
    const afterMidnight = await track({
      ts: Date.UTC(2026, 2, 2, 0, 5),
      visitorId: 'today-id',
      previousVisitorId: () => 'yesterday-id',
      pathname: '/next',
    });
    expect(afterMidnight.sessionId).toBe(beforeMidnight.sessionId);
    // the visit stays one visitor: the row keeps the id it started with
    expect(afterMidnight).toMatchObject({ visitorId: 'yesterday-id', entryPath: '/start', pageviews: 2 });
    // and later events of the night find it directly under today's id
    const third = await track({
      ts: Date.UTC(2026, 2, 2, 0, 20),
      visitorId: 'today-id',
      previousVisitorId: () => 'yesterday-id',
    });
    expect(third.sessionId).toBe(beforeMidnight.sessionId);
    expect(third.pageviews).toBe(3);
  });

  it("does not continue yesterday's visit after 30 minutes of inactivity", async () => {
    const { track } = setup(Date.UTC(2026, 2, 1, 23, 0));
    const old = await track({ ts: Date.UTC(2026, 2, 1, 23, 0), visitorId: 'yesterday-id' });
    const fresh = await track({
      ts: Date.UTC(2026, 2, 2, 0, 5),
      visitorId: 'today-id',
      previousVisitorId: () => 'yesterday-id',
    });
    expect(fresh.sessionId).not.toBe(old.sessionId);
    expect(fresh.visitorId).toBe('today-id');
  });

  it('links imported history processed in time order, long after it happened', async () => {
    const { track } = setup(Date.UTC(2026, 5, 1));
    const yearAgo = Date.UTC(2025, 5, 1, 12);
    const first = await track({ ts: yearAgo });
    const second = await track({ ts: yearAgo + 20 * MINUTE });
    expect(second.sessionId).toBe(first.sessionId);
  });

  it('forgets a session in the store 30 minutes after its last event', async () => {
    const { track, state, setNow } = setup();
    await track({ ts: T0 });
    setNow(T0 + SESSION_TIMEOUT_MS - 1);
    expect(await state.get('session:1:111')).not.toBeNull();
    setNow(T0 + SESSION_TIMEOUT_MS);
    expect(await state.get('session:1:111')).toBeNull();
  });

  it('gives concurrent first events of one visitor the same session', async () => {
    const { track } = setup();
    const sessions = await Promise.all([track({ ts: T0 }), track({ ts: T0 + 1 }), track({ ts: T0 + 2 })]);
    expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(1);
    expect(sessions.map((s) => s.pageviews).sort()).toEqual([1, 2, 3]);
  });

  it('gives a late event from an older visit its own session and leaves the current one alone', async () => {
    const { track } = setup();
    const current = await track({ ts: T0 + 3 * 60 * MINUTE });
    const late = await track({ ts: T0 });
    expect(late.sessionId).not.toBe(current.sessionId);
    const next = await track({ ts: T0 + 3 * 60 * MINUTE + MINUTE });
    expect(next).toMatchObject({ sessionId: current.sessionId, pageviews: 2 });
  });

  it('treats an unreadable stored record as no session', async () => {
    const { track, state } = setup();
    await state.set('session:1:111', '{not json', MINUTE);
    const session = await track({ ts: T0 });
    expect(session.pageviews).toBe(1);
    expect(parseSessionRecord('{"sessionId":1}')).toBeUndefined();
    expect(parseSessionRecord('null')).toBeUndefined();
  });
});
