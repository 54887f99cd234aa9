import type { SaltRepository } from '../storage/meta/meta-store.js';

/**
 * The daily salts behind visitor ids (DESIGN.md "Privacy"). A salt is used on its UTC day, kept the next day so
 * sessions can run over midnight, and then deleted, so each lives at most 48 hours and nobody — the operator
 * included — can recompute older visitor ids. This service is the only code that decides which day's salt may be
 * used or created.
 */
export interface SaltService {
  /**
   * The salt for `day` (YYYY-MM-DD, UTC): today's is created if missing; yesterday's is returned only while it
   * still exists; any other day gives `undefined`. The Buffer is shared from the cache: read it, never write to it.
   */
  saltFor(day: string): Promise<Buffer | undefined>;
  /** Today's UTC day by the injected clock. */
  today(): string;
  /** Ensures today's salt exists and deletes (in the store and in memory) every salt older than yesterday. */
  rotate(): Promise<void>;
}

/** Run `rotate()` at least this often: a salt outlives its 48 hours by at most this much. */
export const SALT_ROTATION_INTERVAL_MS = 60_000;

const DAY_MS = 86_400_000;
/** How long a missing (past) day's salt is taken as missing before the store is asked again. */
const MISSING_SALT_RECHECK_MS = 30_000;

/** The UTC day of an epoch-milliseconds instant, `YYYY-MM-DD`. Throws RangeError for a non-finite or out-of-range time. */
export function utcDay(ms: number): string {
  // Every event asks this several times, for today and yesterday: remember a few days' names by day number.
  const dayNumber = Math.floor(ms / DAY_MS);
  let name = dayNames.get(dayNumber);
  if (name === undefined) {
    name = formatUtcDay(ms);
    if (dayNames.size >= 16) dayNames.clear();
    dayNames.set(dayNumber, name);
  }
  return name;
}

const dayNames = new Map<number, string>();

function formatUtcDay(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a valid time: ${ms}`);
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) throw new RangeError(`Time ${ms} is outside the years 1000–9999`);
  return date.toISOString().slice(0, 10);
}

export function createSaltService(deps: { salts: SaltRepository; now: () => number }): SaltService {
  const { salts, now } = deps;
  const cache = new Map<string, Buffer>();
  /** One store round trip per day however many requests arrive at once; removed when it settles. */
  const pending = new Map<string, Promise<Buffer | undefined>>();
  /** Days found missing, with when to look again: without this every event of a fresh install asks the store. */
  const missingUntil = new Map<string, number>();

  function usableDays(): { today: string; yesterday: string } {
    const at = now();
    return { today: utcDay(at), yesterday: utcDay(at - DAY_MS) };
  }

  /** Forgets salts older than yesterday even if rotate() has not run, so memory never outlives the 48 hours. */
  function forgetExpired(yesterday: string): void {
    for (const day of cache.keys()) if (day < yesterday) cache.delete(day);
    for (const day of missingUntil.keys()) if (day < yesterday) missingUntil.delete(day);
  }

  function load(day: string, create: boolean): Promise<Buffer | undefined> {
    const inFlight = pending.get(day);
    if (inFlight !== undefined) return inFlight;
    const loading = (create ? salts.getOrCreate(day) : salts.get(day))
      .then((salt) => {
        // A slow load must not re-cache a day that expired (or was rotated away) while it ran.
        if (salt !== undefined && day >= usableDays().yesterday) cache.set(day, salt);
        return salt;
      })
      .finally(() => pending.delete(day));
    pending.set(day, loading);
    return loading;
  }

  return {
    async saltFor(day: string): Promise<Buffer | undefined> {
      const { today, yesterday } = usableDays();
      forgetExpired(yesterday);
      if (day !== today && day !== yesterday) return undefined;
      const cached = cache.get(day);
      if (cached !== undefined) return cached;
      // Only today's salt may be created: a salt made now for a past day would let that day's ids be recomputed.
      // Absence is cached only briefly: another node may still create "yesterday" in its last seconds of that day.
      const retryAt = missingUntil.get(day);
      if (retryAt !== undefined && now() < retryAt) return undefined;
      const salt = await load(day, day === today);
      if (salt === undefined) missingUntil.set(day, now() + MISSING_SALT_RECHECK_MS);
      else missingUntil.delete(day);
      return salt;
    },

    today: () => usableDays().today,

    async rotate(): Promise<void> {
      const { today, yesterday } = usableDays();
      await load(today, true);
      await salts.deleteBefore(yesterday);
      forgetExpired(yesterday);
    },
  };
}
