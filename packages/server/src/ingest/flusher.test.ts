import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventRow } from '../domain/event.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRows } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { createFlusher } from './flusher.js';
import { createJournal, type Journal, OverloadedError } from './journal.js';

// One chDB directory for this file (one per process); each test gets its own database and journal directory.
const root = mkdtempSync(join(tmpdir(), 'sightline-flusher-'));
const stores: EventStore[] = [];
const journals: Journal[] = [];

async function freshStore(): Promise<EventStore> {
  const store = createChdbEventStore({
    dataDir: join(root, 'events'),
    database: `f_${randomBytes(5).toString('hex')}`,
  });
  stores.push(store);
  await store.migrate();
  return store;
}

async function openJournal(dir: string, maxPending = 100_000): Promise<Journal> {
  const journal = await createJournal({ dir, fsync: true, maxPending });
  journals.push(journal);
  return journal;
}

function journalDir(): string {
  return mkdtempSync(join(root, 'journal-'));
}

/** How often each event id is stored. */
async function storedCounts(store: EventStore): Promise<Map<string, number>> {
  const rows = await store.query<{ event_id: string; n: string }>(
    `SELECT toString(event_id) AS event_id, count() AS n FROM ${store.eventsTable} GROUP BY event_id`,
  );
  return new Map(rows.map((row) => [row.event_id, Number(row.n)]));
}

async function total(store: EventStore): Promise<number> {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.eventsTable}`);
  return Number(row?.n);
}

/** The store, noting each insert's token and the size of each lookup of stored events. */
function recorded(store: EventStore) {
  const tokens: string[] = [];
  const lookups: number[] = [];
  const wrapper: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
    storedEventIds: (rows) => {
      lookups.push(rows.length);
      return store.storedEventIds(rows);
    },
    insertBatch: (batch, token) => {
      tokens.push(token);
      return store.insertBatch(batch, token);
    },
  };
  return { store: wrapper, tokens, lookups };
}

function expectEachOnce(counts: Map<string, number>, rows: readonly EventRow[]) {
  expect(counts.size).toBe(rows.length);
  for (const row of rows) expect(counts.get(row.event_id)).toBe(1);
}

afterEach(async () => {
  for (const journal of journals.splice(0)) await journal.close();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  rmSync(root, { recursive: true, force: true });
});

describe('flusher', () => {
  it('moves every journaled event into the store, each once', async () => {
    const store = await freshStore();
    const journal = await openJournal(journalDir());
    const rows = sampleEventRows(2500);
    for (let i = 0; i < rows.length; i += 500) await journal.append(rows.slice(i, i + 500));
    const flushed: number[] = [];
    const flusher = createFlusher({ journal, store, intervalMs: 500, batchMax: 1000, onFlush: (n) => flushed.push(n) });
    await flusher.flushNow();
    expect(flushed).toEqual([1000, 1000, 500]);
    expect(journal.pending()).toBe(0);
    expectEachOnce(await storedCounts(store), rows);
  });

  it('makes acknowledged events queryable within 2 s at the default interval', async () => {
    const store = await freshStore();
    const journal = await openJournal(journalDir());
    const flusher = createFlusher({ journal, store, intervalMs: 500, batchMax: 50_000 });
    flusher.start();
    const acknowledged = Date.now();
    await journal.append(sampleEventRows(20));
    while ((await total(store)) < 20) {
      expect(Date.now() - acknowledged).toBeLessThan(2000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await flusher.stop();
  });

  it('makes one insert per interval under steady load, not one insert after another', async () => {
    const store = await freshStore();
    const journal = await openJournal(journalDir());
    // A slow store: while an insert runs, more events arrive. Each insert is a new part (a dozen files) in chDB,
    // so inserting those right after, again and again, costs the machine far more than waiting for the next tick.
    const inserts: number[] = [];
    const slow: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
      storedEventIds: (rows) => store.storedEventIds(rows),
      async insertBatch(batch, token) {
        inserts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.insertBatch(batch, token);
      },
    };
    const flusher = createFlusher({ journal, store: slow, intervalMs: 400, batchMax: 50_000 });
    flusher.start();
    const appended: EventRow[] = [];
    const until = Date.now() + 1600;
    while (Date.now() < until) {
      const rows = sampleEventRows(5);
      await journal.append(rows);
      appended.push(...rows);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const duringLoad = inserts.length;
    await flusher.stop();
    // One insert per tick (a 400 ms pause, then its insert): at most 4 in 1.6 s; back to back would be over 10.
    expect(duringLoad).toBeGreaterThanOrEqual(2);
    expect(duringLoad).toBeLessThanOrEqual(5);
    expect(journal.pending()).toBe(0);
    expectEachOnce(await storedCounts(store), appended);
  });

  it('starts a tick every interval even when inserts are slow, so events do not wait an extra insert', async () => {
    const store = await freshStore();
    const journal = await openJournal(journalDir());
    const starts: number[] = [];
    const slow: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
      storedEventIds: (rows) => store.storedEventIds(rows),
      async insertBatch(batch, token) {
        starts.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 250));
        await store.insertBatch(batch, token);
      },
    };
    const flusher = createFlusher({ journal, store: slow, intervalMs: 400, batchMax: 50_000 });
    flusher.start();
    const until = Date.now() + 2200;
    while (Date.now() < until) {
      await journal.append(sampleEventRows(5));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await flusher.stop();
    const gaps = starts.slice(1, -1).map((at, index) => at - (starts[index] as number));
    gaps.sort((a, b) => a - b);
    // Counted from the start of the previous tick: about 400 ms apart, not 400 ms after each ~250 ms insert.
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(560);
  });

  it('retries a failing insert with the same batch and token until it succeeds, dropping nothing', async () => {
    const store = await freshStore();
    const journal = await openJournal(journalDir());
    const rows = sampleEventRows(300);
    await journal.append(rows);
    const tokens: string[] = [];
    let failuresLeft = 3;
    const flaky: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
      storedEventIds: (rows) => store.storedEventIds(rows),
      async insertBatch(batch, token) {
        tokens.push(token);
        if (failuresLeft-- > 0) throw new Error('ClickHouse is restarting');
        await store.insertBatch(batch, token);
      },
    };
    const errors: unknown[] = [];
    const flusher = createFlusher({
      journal,
      store: flaky,
      intervalMs: 500,
      batchMax: 1000,
      retryInitialMs: 5,
      onError: (e) => errors.push(e),
    });
    await flusher.flushNow();
    expect(errors).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    expectEachOnce(await storedCounts(store), rows);
  });

  it('stores each event exactly once when the process dies after an insert but before its checkpoint', async () => {
    const store = await freshStore();
    const dir = journalDir();
    const journal = await openJournal(dir);
    const rows = sampleEventRows(1200);
    await journal.append(rows);
    const crashedTokens: string[] = [];
    // Inserts, then "dies" before the flusher can checkpoint: the batch is in the store, the journal does not know.
    const dying: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
      storedEventIds: (rows) => store.storedEventIds(rows),
      async insertBatch(batch, token) {
        await store.insertBatch(batch, token);
        crashedTokens.push(token);
        throw new Error('process killed');
      },
    };
    const crashed = createFlusher({
      journal,
      store: dying,
      intervalMs: 500,
      batchMax: 500,
      retryInitialMs: 1,
      stopTimeoutMs: 50,
    });
    await crashed.stop();
    expect(crashedTokens.length).toBeGreaterThan(0);
    expect(await total(store)).toBe(500);
    await journal.close();

    const reopened = await openJournal(dir);
    expect(reopened.pending()).toBe(1200);
    const recording = recorded(store);
    // A bigger batchMax now must not change the replayed batch's boundaries.
    await createFlusher({ journal: reopened, store: recording.store, intervalMs: 500, batchMax: 5000 }).flushNow();
    expect(recording.tokens[0]).toBe(crashedTokens[0]);
    expectEachOnce(await storedCounts(store), rows);
  });

  it("stores a crashed batch whose token the store's dedup log kept without its rows", async () => {
    const store = await freshStore();
    const dir = journalDir();
    const journal = await openJournal(dir);
    const rows = sampleEventRows(300);
    await journal.append(rows);
    // The batch is handed out (its intent recorded), then the process "dies" before its insert became visible...
    const inFlight = await journal.readBatch(1000);
    expect(inFlight?.recovered).toBe(false);
    await journal.close();
    // ...while the engine's dedup log did record the token: here a different row went in under it.
    const [stray] = sampleEventRows(1);
    await store.insertBatch([stray!], inFlight!.token);

    const reopened = await openJournal(dir);
    const warnings: string[] = [];
    const recording = recorded(store);
    await createFlusher({
      journal: reopened,
      store: recording.store,
      intervalMs: 500,
      batchMax: 5000,
      logger: { warn: (_details, message) => warnings.push(message) },
    }).flushNow();

    // The replay under the old token was dropped by the engine; the flusher noticed and inserted the events.
    expect(recording.tokens[0]).toBe(inFlight!.token);
    expect(recording.tokens).toHaveLength(2);
    expect(recording.tokens[1]).toContain(':missing:');
    expect(warnings).toEqual([expect.stringMatching(/dropped the replay/)]);
    expectEachOnce(await storedCounts(store), [...rows, stray!]);
    expect(reopened.pending()).toBe(0);
  });

  it('asks the store about a recovered batch only, and inserts nothing more when it holds the batch', async () => {
    const store = await freshStore();
    const dir = journalDir();
    const journal = await openJournal(dir);
    const rows = sampleEventRows(400);
    await journal.append(rows);
    const inFlight = await journal.readBatch(250);
    // Stored before the crash, checkpoint not written: the common case after kill -9.
    await store.insertBatch(inFlight!.encoded, inFlight!.token);
    await journal.close();

    const reopened = await openJournal(dir);
    const recording = recorded(store);
    await createFlusher({ journal: reopened, store: recording.store, intervalMs: 500, batchMax: 5000 }).flushNow();
    // One lookup, for the replayed 250; the other 150 are an ordinary batch. No insert of "missing" events.
    expect(recording.lookups).toEqual([250]);
    expect(recording.tokens).toHaveLength(2);
    expect(recording.tokens[0]).toBe(inFlight!.token);
    expect(recording.tokens[1]).not.toContain(':missing:');
    expectEachOnce(await storedCounts(store), rows);
  });

  it('lets events accumulate while the store is down, refuses beyond maxPending, and catches up after', async () => {
    const store = await freshStore();
    const journal = await openJournal(journalDir(), 200);
    let down = true;
    const outage: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
      storedEventIds: (rows) => store.storedEventIds(rows),
      insertBatch: (batch, token) =>
        down ? Promise.reject(new Error('connection refused')) : store.insertBatch(batch, token),
    };
    const flusher = createFlusher({
      journal,
      store: outage,
      intervalMs: 20,
      batchMax: 1000,
      retryInitialMs: 10,
      retryMaxMs: 20,
    });
    flusher.start();
    const accepted = sampleEventRows(200);
    await journal.append(accepted);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(journal.append(sampleEventRows(1))).rejects.toBeInstanceOf(OverloadedError);
    expect(journal.pending()).toBe(200);

    down = false;
    await flusher.stop();
    expect(journal.pending()).toBe(0);
    expectEachOnce(await storedCounts(store), accepted);
    await expect(journal.append(sampleEventRows(1))).resolves.toBeUndefined();
  });

  it('gives up draining at stop after its deadline, leaving events safely in the journal', async () => {
    const journal = await openJournal(journalDir());
    await journal.append(sampleEventRows(10));
    const unreachable: Pick<EventStore, 'insertBatch' | 'storedEventIds'> = {
      storedEventIds: () => Promise.reject(new Error('no route to host')),
      insertBatch: () => Promise.reject(new Error('no route to host')),
    };
    const warnings: string[] = [];
    const flusher = createFlusher({
      journal,
      store: unreachable,
      intervalMs: 500,
      batchMax: 100,
      retryInitialMs: 10,
      stopTimeoutMs: 200,
      logger: { warn: (_details, message) => warnings.push(message) },
    });
    const started = Date.now();
    await flusher.stop();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(journal.pending()).toBe(10);
    expect(warnings).toHaveLength(1);
  });
});
