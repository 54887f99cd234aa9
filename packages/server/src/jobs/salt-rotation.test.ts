import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetaStore, SaltRepository } from '../storage/meta/meta-store.js';
import { META_TEST_ENGINES, type MetaTestDatabase } from '../storage/meta/test-engines.fixture.js';
import { createSaltService, utcDay } from './salt-rotation.js';

describe('utcDay', () => {
  it('formats the UTC calendar day of an instant', () => {
    expect(utcDay(Date.UTC(2024, 0, 10, 0, 0, 0))).toBe('2024-01-10');
    expect(utcDay(Date.UTC(2024, 0, 10, 23, 59, 59, 999))).toBe('2024-01-10');
    expect(utcDay(Date.UTC(2024, 1, 29, 12))).toBe('2024-02-29');
  });

  it('throws RangeError for times that are not days', () => {
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
    expect(() => utcDay(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => utcDay(8.64e15 + 1)).toThrow(RangeError);
  });
});

/** Counts store calls, to prove the cache answers repeated lookups and that past days are never created. */
function countingSalts(inner: SaltRepository) {
  const calls = { getOrCreate: [] as string[], get: [] as string[], deleteBefore: [] as string[] };
  const salts: SaltRepository = {
    getOrCreate(day) {
      calls.getOrCreate.push(day);
      return inner.getOrCreate(day);
    },
    get(day) {
      calls.get.push(day);
      return inner.get(day);
    },
    deleteBefore(day) {
      calls.deleteBefore.push(day);
      return inner.deleteBefore(day);
    },
  };
  return { salts, calls };
}

describe.each(META_TEST_ENGINES)('salt service on $name', (engine) => {
  let database: MetaTestDatabase;
  let store: MetaStore;
  let now: number;
  const clock = () => now;

  beforeAll(async () => {
    database = await engine.setup();
    store = await database.open();
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await database?.cleanup();
  });
  beforeEach(async () => {
    // Every test starts from an empty salts table at noon UTC on 10 January 2024.
    await store.salts.deleteBefore('9999-12-31');
    now = Date.UTC(2024, 0, 10, 12);
  });

  it('creates today’s salt once and answers from memory afterwards', async () => {
    const { salts, calls } = countingSalts(store.salts);
    const service = createSaltService({ salts, now: clock });
    expect(service.today()).toBe('2024-01-10');
    const [first, second] = await Promise.all([service.saltFor('2024-01-10'), service.saltFor('2024-01-10')]);
    expect(first).toHaveLength(32);
    expect(second?.equals(first as Buffer)).toBe(true);
    expect((await service.saltFor('2024-01-10'))?.equals(first as Buffer)).toBe(true);
    expect(calls.getOrCreate).toEqual(['2024-01-10']);
    expect((await store.salts.get('2024-01-10'))?.equals(first as Buffer)).toBe(true);
  });

  it('never creates a salt for any day but today', async () => {
    const { salts, calls } = countingSalts(store.salts);
    const service = createSaltService({ salts, now: clock });
    expect(await service.saltFor('2024-01-09')).toBeUndefined();
    expect(await service.saltFor('2024-01-07')).toBeUndefined();
    expect(await service.saltFor('2024-01-11')).toBeUndefined();
    expect(await service.saltFor('garbage')).toBeUndefined();
    expect(calls.getOrCreate).toEqual([]);
    for (const day of ['2024-01-07', '2024-01-09', '2024-01-11']) expect(await store.salts.get(day)).toBeUndefined();
  });

  it('returns yesterday’s salt while it exists, so sessions continue over midnight', async () => {
    const service = createSaltService({ salts: store.salts, now: clock });
    now = Date.UTC(2024, 0, 10, 23, 59);
    const lateEvening = await service.saltFor('2024-01-10');
    now = Date.UTC(2024, 0, 11, 0, 1);
    expect(service.today()).toBe('2024-01-11');
    expect((await service.saltFor('2024-01-10'))?.equals(lateEvening as Buffer)).toBe(true);
    const newDay = await service.saltFor('2024-01-11');
    expect(newDay?.equals(lateEvening as Buffer)).toBe(false);
  });

  it('finds yesterday’s salt created by another node, caching its absence for half a minute only', async () => {
    const service = createSaltService({ salts: store.salts, now: clock });
    expect(await service.saltFor('2024-01-09')).toBeUndefined();
    const created = await store.salts.getOrCreate('2024-01-09');
    // Within the recheck window the store is not asked again (a fresh install would otherwise ask per event)…
    expect(await service.saltFor('2024-01-09')).toBeUndefined();
    // …after it, the other node's salt is found.
    now += 31_000;
    expect((await service.saltFor('2024-01-09'))?.equals(created)).toBe(true);
  });

  it('rotate keeps today’s and yesterday’s salts and deletes older ones from the store and from memory', async () => {
    const service = createSaltService({ salts: store.salts, now: clock });
    // Salts made on earlier days (by this or another node), as if the server had been running all along.
    now = Date.UTC(2024, 0, 7, 12);
    const threeDaysAgo = await service.saltFor('2024-01-07');
    now = Date.UTC(2024, 0, 8, 12);
    await service.saltFor('2024-01-08');
    now = Date.UTC(2024, 0, 9, 12);
    const yesterday = await service.saltFor('2024-01-09');
    now = Date.UTC(2024, 0, 10, 12);

    await service.rotate();
    expect(threeDaysAgo).toBeDefined();
    expect(await store.salts.get('2024-01-07')).toBeUndefined();
    expect(await store.salts.get('2024-01-08')).toBeUndefined();
    expect((await store.salts.get('2024-01-09'))?.equals(yesterday as Buffer)).toBe(true);
    expect(await store.salts.get('2024-01-10')).toHaveLength(32);
    expect((await service.saltFor('2024-01-09'))?.equals(yesterday as Buffer)).toBe(true);
    expect(await service.saltFor('2024-01-07')).toBeUndefined();
    expect(await service.saltFor('2024-01-08')).toBeUndefined();
  });

  it('a salt lives at most 48 hours: two days on, neither the store nor the cache has it', async () => {
    const service = createSaltService({ salts: store.salts, now: clock });
    const salt = await service.saltFor('2024-01-10');
    now = Date.UTC(2024, 0, 11, 23, 59, 59);
    await service.rotate();
    expect((await service.saltFor('2024-01-10'))?.equals(salt as Buffer)).toBe(true);

    now = Date.UTC(2024, 0, 12, 0, 0, 1);
    // Before rotate runs, the cached copy is already unusable.
    expect(await service.saltFor('2024-01-10')).toBeUndefined();
    await service.rotate();
    expect(await store.salts.get('2024-01-10')).toBeUndefined();
  });

  it('gives two nodes the same salt for today', async () => {
    const other = await database.open();
    try {
      const nodeA = createSaltService({ salts: store.salts, now: clock });
      const nodeB = createSaltService({ salts: other.salts, now: clock });
      const [a, b] = await Promise.all([
        nodeA.saltFor(nodeA.today()),
        nodeB.rotate().then(() => nodeB.saltFor(nodeB.today())),
      ]);
      expect(a?.equals(b as Buffer)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('rotate leaves the rest untouched when the store fails, and the next rotate recovers', async () => {
    let failing = true;
    const flaky: SaltRepository = {
      ...store.salts,
      getOrCreate: (day) =>
        failing ? Promise.reject(new Error('database unavailable')) : store.salts.getOrCreate(day),
      get: (day) => store.salts.get(day),
      deleteBefore: (day) => store.salts.deleteBefore(day),
    };
    const service = createSaltService({ salts: flaky, now: clock });
    await expect(service.rotate()).rejects.toThrow('database unavailable');
    await expect(service.saltFor('2024-01-10')).rejects.toThrow('database unavailable');
    failing = false;
    await service.rotate();
    expect(await service.saltFor('2024-01-10')).toHaveLength(32);
  });
});
