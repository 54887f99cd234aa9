import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from './state-store.js';

/**
 * Test support: what every state store adapter promises, as one suite, so the in-process store and Redis cannot
 * drift apart (callers are written against the interface and must not care which one runs).
 *
 * Times are short real-time figures (tens to hundreds of ms) so the Redis run stays fast; `wait` lets that time pass
 * for the store — the in-process store moves a fake clock, Redis really sleeps. Assertions about real time only
 * have slack in the direction a loaded machine can push them (later, never earlier).
 */
export interface StateStoreSubject {
  store: Required<StateStore>;
  /** Lets `ms` pass on the store's clock. */
  wait(ms: number): Promise<void>;
  /** Closes the store and removes what the test wrote. */
  cleanup(): Promise<void>;
}

export function describeStateStoreContract(engine: string, open: () => Promise<StateStoreSubject>): void {
  describe(`state store contract: ${engine}`, () => {
    let subject: StateStoreSubject;
    let state: Required<StateStore>;

    beforeEach(async () => {
      subject = await open();
      state = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('reads back exactly the string that was written, under any key', async () => {
      const values = {
        'session:1:42': JSON.stringify({ sessionId: 'abc', pageviews: 3, entryPath: '/pricing?x=1' }),
        empty: '',
        'unicode key ✓': 'Zürich — 東京 🚀 "quoted" \\ back\nslash',
        'big:value': 'x'.repeat(256 * 1024),
      };
      for (const [key, value] of Object.entries(values)) await state.set(key, value, 60_000);
      for (const [key, value] of Object.entries(values)) expect(await state.get(key)).toBe(value);
      expect(await state.get('never-written')).toBeNull();
    });

    it('forgets a value once its TTL has passed', async () => {
      await state.set('short', 'v', 150);
      await state.set('long', 'w', 60_000);
      expect(await state.get('short')).toBe('v');
      await subject.wait(200);
      expect(await state.get('short')).toBeNull();
      expect(await state.take('short')).toBeNull();
      expect(await state.get('long')).toBe('w');
    });

    it('accepts a fractional TTL without expiring the key early', async () => {
      await state.set('fraction', 'v', 300.5);
      expect(await state.get('fraction')).toBe('v');
      expect(await state.increment('fraction-counter', 300.5)).toBe(1);
    });

    it('restarts the TTL when a key is written again', async () => {
      await state.set('k', 'first', 400);
      await subject.wait(250);
      await state.set('k', 'second', 400);
      await subject.wait(250);
      // 500 ms after the first write, which alone would have expired by now
      expect(await state.get('k')).toBe('second');
      await subject.wait(250);
      expect(await state.get('k')).toBeNull();
    });

    it('deletes keys, and deleting a key that does not exist is not an error', async () => {
      await state.set('k', 'v', 60_000);
      await state.delete('k');
      await state.delete('never-written');
      expect(await state.get('k')).toBeNull();
    });

    it('counts in a fixed window that later increments never extend', async () => {
      const windowMs = 300;
      const tickMs = 50;
      const counts = [await state.increment('rl', windowMs), await state.increment('rl', windowMs)];
      for (let tick = 0; tick < 12; tick++) {
        await subject.wait(tickMs);
        counts.push(await state.increment('rl', windowMs));
      }
      expect(counts.slice(0, 3)).toEqual([1, 2, 3]);
      // a window that moved with each increment (every 50 ms) would never end: the counter would reach 14
      const firstRestart = counts.indexOf(1, 1);
      expect(firstRestart).toBeGreaterThan(0);
      // every wait lasts at least tickMs, so the window ends within windowMs / tickMs ticks of the first increment
      expect(firstRestart).toBeLessThanOrEqual(1 + windowMs / tickMs + 1);
      // and counting goes on one by one inside each window
      expect(counts.slice(0, firstRestart)).toEqual(Array.from({ length: firstRestart }, (_, i) => i + 1));
    });

    it('keeps counters apart per key, and makes a counter of a number written with set()', async () => {
      expect(await state.increment('a', 60_000)).toBe(1);
      expect(await state.increment('a', 60_000)).toBe(2);
      expect(await state.increment('b', 60_000)).toBe(1);
      await state.set('written', '41', 60_000);
      expect(await state.increment('written', 60_000)).toBe(42);
      expect(await state.get('written')).toBe('42');
    });

    it('adds a batch in one step, opening the window with it, and refuses a step that is not a positive count', async () => {
      expect(await state.increment('batch', 60_000, 250)).toBe(250);
      expect(await state.increment('batch', 60_000)).toBe(251);
      expect(await state.increment('batch', 60_000, 49)).toBe(300);
      await expect(state.increment('batch', 60_000, 0)).rejects.toThrow(RangeError);
      await expect(state.increment('batch', 60_000, 1.5)).rejects.toThrow(RangeError);
      expect(await state.get('batch')).toBe('300');
    });

    it('restarts a key that does not hold a counter as a fresh counter instead of failing', async () => {
      await state.set('text', 'not a number', 60_000);
      expect(await state.increment('text', 60_000)).toBe(1);
      expect(await state.increment('text', 60_000)).toBe(2);
    });

    it('loses no increment when 200 arrive at once', async () => {
      const results = await Promise.all(Array.from({ length: 200 }, () => state.increment('burst', 60_000)));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await state.get('burst')).toBe('200');
    });

    it('refuses a TTL that is not a positive number of milliseconds, and writes nothing', async () => {
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(state.set('bad', 'v', ttl)).rejects.toThrow(RangeError);
        await expect(state.increment('bad', ttl)).rejects.toThrow(RangeError);
        await expect(state.setIfAbsent('bad', 'v', ttl)).rejects.toThrow(RangeError);
      }
      expect(await state.get('bad')).toBeNull();
    });

    it('take() hands a single-use value to exactly one of many concurrent callers', async () => {
      expect(await state.take('never-written')).toBeNull();
      await state.set('token', 'user-7', 60_000);
      expect(await state.take('token')).toBe('user-7');
      expect(await state.take('token')).toBeNull();
      expect(await state.get('token')).toBeNull();

      await state.set('contested', 'user-8', 60_000);
      const taken = await Promise.all(Array.from({ length: 50 }, () => state.take('contested')));
      expect(taken.filter((value) => value !== null)).toEqual(['user-8']);
    });

    it('setIfAbsent() lets exactly one concurrent writer win and never overwrites a live value', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => state.setIfAbsent('first', `writer-${i}`, 400)),
      );
      const winners = outcomes.flatMap((won, i) => (won ? [`writer-${i}`] : []));
      expect(winners).toHaveLength(1);
      expect(await state.get('first')).toBe(winners[0]);
      expect(await state.setIfAbsent('first', 'late', 400)).toBe(false);
      // once the value has expired (or been deleted) the key is free again
      await subject.wait(450);
      expect(await state.setIfAbsent('first', 'after-expiry', 60_000)).toBe(true);
      expect(await state.get('first')).toBe('after-expiry');
      await state.delete('first');
      expect(await state.setIfAbsent('first', 'after-delete', 60_000)).toBe(true);
    });

    it('compareAndSet() writes only over the expected value, and only one of many concurrent writers wins', async () => {
      expect(await state.compareAndSet('record', '', 'v1', 60_000)).toBe(false);
      expect(await state.get('record')).toBeNull();
      await state.set('record', 'v1', 300);
      expect(await state.compareAndSet('record', 'v0', 'v2', 60_000)).toBe(false);
      expect(await state.get('record')).toBe('v1');

      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => state.compareAndSet('record', 'v1', `update-${i}`, 600)),
      );
      const winners = outcomes.flatMap((won, i) => (won ? [`update-${i}`] : []));
      expect(winners).toHaveLength(1);
      expect(await state.get('record')).toBe(winners[0]);
      // the winning write carries its own TTL (600 ms), not what was left of the old value's 300 ms
      await subject.wait(350);
      expect(await state.get('record')).toBe(winners[0]);
      await subject.wait(300);
      expect(await state.get('record')).toBeNull();
      // an expired value no longer matches
      expect(await state.compareAndSet('record', winners[0] ?? '', 'stale', 60_000)).toBe(false);
      await expect(state.compareAndSet('record', 'a', 'b', 0)).rejects.toThrow(RangeError);
    });

    it('reports itself healthy', async () => {
      expect(await state.health()).toEqual({ ok: true, engine: engine });
    });

    it('closes, and closing twice is fine', async () => {
      await state.close();
      await state.close();
    });
  });
}
