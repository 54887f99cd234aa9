import { ENGAGEMENT, PAGEVIEW, SESSION_TIMEOUT_MS } from '../domain/event.js';
import { sessionIdFor } from '../domain/visitor-id.js';
import type { StateStore } from '../storage/state/state-store.js';

/** Conditional writes tried before giving up on a record other nodes keep changing (see createSessionTracker). */
const MAX_WRITE_ATTEMPTS = 10;

/** Parsed session records kept per tracker (a few hundred bytes each: a few MB at most). */
const RECENT_RECORDS = 10_000;

/** One visit, as kept in the state store while it may still continue. */
export interface SessionRecord {
  sessionId: string;
  /**
   * The visitor id the session started under. A visit that crosses midnight UTC keeps it, so the visit stays one
   * visitor and one session although the daily salt changed under it.
   */
  visitorId: string;
  /** Event time (epoch ms) of the first event. */
  startedAt: number;
  /** Event time of the latest event; inactivity is measured from here. */
  lastSeen: number;
  entryPath: string;
  pageviews: number;
  /**
   * Interactive events other than pageviews. A session with one pageview and no interaction is a bounce
   * (DESIGN.md), so `pageviews === 1 && interactions === 0` reads as "bounced so far".
   */
  interactions: number;
}

export interface SessionEvent {
  siteId: number;
  /** Visitor id under the salt of the event's UTC day. */
  visitorId: string;
  /**
   * The same visitor's id under the previous day's salt, when that salt still exists. Lazy: it costs a keyed hash
   * and is only needed when no session is found under today's id.
   */
  previousVisitorId?: () => string;
  /** Event time (epoch ms). Sessions are measured on event time, so an import of history in ts order works. */
  ts: number;
  name: string;
  pathname: string;
  interactive: boolean;
}

export type SessionOutcome =
  | { ok: true; session: SessionRecord }
  /** Engagement reports time on an existing pageview; without a live session there is nothing to attach it to. */
  | { ok: false; reason: 'no_session_for_engagement' };

export interface SessionTracker {
  /** Continues the visitor's session or starts a new one, and records the event in it. Never throws on bad state. */
  track(event: SessionEvent): Promise<SessionOutcome>;
}

export interface SessionTrackerDeps {
  state: StateStore;
  /** Wall clock (epoch ms), used only for the store TTL. */
  clock: () => number;
}

/**
 * Visitor sessions in the state store, one key per (site, visitor).
 *
 * Two events of one visitor that arrive together on this node are serialised per key, so they cannot both start a
 * session. When other nodes share the store (`state.distributed`, Redis), the write is also conditional — set-if-absent
 * for a new record, compare-and-set against the exact text read for an update — and a lost race recomputes from the
 * winner's record, so two nodes can neither split a visit nor lose a pageview count.
 *
 * @example
 * const sessions = createSessionTracker({ state, clock: Date.now });
 * const outcome = await sessions.track({ siteId: 1, visitorId, ts, name: 'pageview', pathname: '/', interactive: true });
 */
export function createSessionTracker({ state, clock }: SessionTrackerDeps): SessionTracker {
  const inFlight = new Map<string, Promise<unknown>>();

  function keyFor(siteId: number, visitorId: string): string {
    return `session:${siteId}:${visitorId}`;
  }

  /**
   * Runs `work` after every earlier call for the same key has finished. With nothing in flight for the key (nearly
   * always) it starts right away: chaining on a resolved promise only cost extra promises and microtask hops per event.
   */
  function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = inFlight.get(key);
    const next = previous === undefined ? work() : previous.then(work, work);
    const settled: Promise<void> = next.then(forget, forget);
    inFlight.set(key, settled);
    function forget(): void {
      if (inFlight.get(key) === settled) inFlight.delete(key);
    }
    return next;
  }

  /**
   * Records this tracker last wrote or read, by key, with the exact text stored: parsing the same text again gives
   * the same record, so while the store still holds that text the parse is skipped (it was a visible share of the
   * per-event cost). Records are never mutated (each event makes a new one), so sharing them is safe. Bounded, and
   * the store stays the source of truth: any other text under the key is parsed as before.
   */
  const recent = new Map<string, { stored: string; record: SessionRecord | undefined }>();

  function remember(key: string, stored: string, record: SessionRecord | undefined): void {
    recent.delete(key);
    recent.set(key, { stored, record });
    if (recent.size > RECENT_RECORDS) {
      const oldest = recent.keys().next();
      if (!oldest.done) recent.delete(oldest.value);
    }
  }

  async function readStored(key: string): Promise<{ record: SessionRecord | undefined; stored: string | null }> {
    const stored = await state.get(key);
    if (stored === null) return { record: undefined, stored };
    const known = recent.get(key);
    if (known !== undefined && known.stored === stored) return { record: known.record, stored };
    const record = parseSessionRecord(stored);
    remember(key, stored, record);
    return { record, stored };
  }

  async function read(key: string): Promise<SessionRecord | undefined> {
    return (await readStored(key)).record;
  }

  const conditional =
    state.distributed === true && state.setIfAbsent !== undefined && state.compareAndSet !== undefined;

  /** Writes the record; false when another node changed the key since `expected` was read (only when shared). */
  async function write(key: string, expected: string | null, stored: string, ttlMs: number): Promise<boolean> {
    if (!conditional) {
      await state.set(key, stored, ttlMs);
      return true;
    }
    return expected === null
      ? (state.setIfAbsent as NonNullable<StateStore['setIfAbsent']>)(key, stored, ttlMs)
      : (state.compareAndSet as NonNullable<StateStore['compareAndSet']>)(key, expected, stored, ttlMs);
  }

  async function trackOnce(key: string, event: SessionEvent): Promise<SessionOutcome | undefined> {
    const isPageview = event.name === PAGEVIEW;
    const current = await readStored(key);
    let session = current.record;

    const previousVisitorId =
      session === undefined || !continuesAt(session, event.ts) ? event.previousVisitorId?.() : undefined;
    if (previousVisitorId !== undefined && previousVisitorId !== event.visitorId) {
      // the visit may have started before midnight UTC, under yesterday's salt
      const yesterdays = await read(keyFor(event.siteId, previousVisitorId));
      if (yesterdays !== undefined && continuesAt(yesterdays, event.ts)) session = yesterdays;
    }

    if (session !== undefined && continuesAt(session, event.ts)) {
      // Every field spelled out, in the record's order (the stored JSON is unchanged): a spread with overrides
      // gave V8 a slow object shape, which made the stringify below one of the costliest steps per event.
      session = {
        sessionId: session.sessionId,
        visitorId: session.visitorId,
        startedAt: Math.min(session.startedAt, event.ts),
        lastSeen: Math.max(session.lastSeen, event.ts),
        entryPath: session.entryPath,
        pageviews: session.pageviews + (isPageview ? 1 : 0),
        interactions: session.interactions + (!isPageview && event.interactive ? 1 : 0),
      };
    } else if (session !== undefined && event.ts < session.startedAt) {
      // A late event from an older visit (out-of-order import or delivery): it gets a session of its own, and
      // the visit in the store, which is newer, stays untouched.
      if (event.name === ENGAGEMENT) return { ok: false, reason: 'no_session_for_engagement' };
      return { ok: true, session: newSession(event, isPageview) };
    } else {
      if (event.name === ENGAGEMENT) return { ok: false, reason: 'no_session_for_engagement' };
      session = newSession(event, isPageview);
    }

    // TTL runs 30 min past lastSeen for live traffic; imported history (ts in the past) still gets the full
    // 30 min of wall time, so an import processed in ts order links its events into sessions.
    const ttlMs = SESSION_TIMEOUT_MS + Math.max(0, session.lastSeen - clock());
    const stored = JSON.stringify(session);
    if (!(await write(key, current.stored, stored, ttlMs))) return undefined;
    remember(key, stored, session);
    return { ok: true, session };
  }

  return {
    track(event) {
      const key = keyFor(event.siteId, event.visitorId);
      return serialised(key, async () => {
        for (let attempt = 1; ; attempt++) {
          const outcome = await trackOnce(key, event);
          if (outcome !== undefined) return outcome;
          // Another node wrote this visitor's record in between: recompute from its version. Contention is two
          // requests of one visitor at the same instant, so a few rounds settle it; past that, count the event
          // in a session of its own rather than hold the request.
          if (attempt >= MAX_WRITE_ATTEMPTS) return { ok: true, session: newSession(event, event.name === PAGEVIEW) };
        }
      });
    },
  };
}

function continuesAt(session: SessionRecord, ts: number): boolean {
  return ts <= session.lastSeen + SESSION_TIMEOUT_MS && ts >= session.startedAt - SESSION_TIMEOUT_MS;
}

function newSession(event: SessionEvent, isPageview: boolean): SessionRecord {
  return {
    sessionId: sessionIdFor(event.visitorId, event.ts),
    visitorId: event.visitorId,
    startedAt: event.ts,
    lastSeen: event.ts,
    entryPath: event.pathname,
    pageviews: isPageview ? 1 : 0,
    interactions: !isPageview && event.interactive ? 1 : 0,
  };
}

/** Reads a stored record; anything unreadable counts as no session (a new one starts) rather than an error. */
export function parseSessionRecord(stored: string): SessionRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { sessionId, visitorId, startedAt, lastSeen, entryPath, pageviews, interactions } = record;
  if (
    typeof sessionId !== 'string' ||
    typeof visitorId !== 'string' ||
    typeof startedAt !== 'number' ||
    typeof lastSeen !== 'number' ||
    typeof entryPath !== 'string' ||
    typeof pageviews !== 'number' ||
    !Number.isFinite(startedAt) ||
    !Number.isFinite(lastSeen)
  ) {
    return undefined;
  }
  return {
    sessionId,
    visitorId,
    startedAt,
    lastSeen,
    entryPath,
    pageviews,
    interactions: typeof interactions === 'number' ? interactions : 0,
  };
}
