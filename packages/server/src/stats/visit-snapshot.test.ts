import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../domain/event.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { finishedVisitTables } from '../storage/events/schema.js';
import { parseStatsQuery } from './query.js';
import { runStatsQuery } from './run.js';
import { createVisitSnapshots, readVisitSnapshot, type VisitSnapshot } from './visit-snapshot.js';

/**
 * Snapshots of the finished visits on a real chDB store: what they list, that an older snapshot still gives the exact
 * answer after visits open, grow and are finished, that the subquery fallback for long lists does too, and that the
 * queries of one dashboard load share one read.
 */

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-snapshot-'));
let store: EventStore;
let database: string;

beforeAll(async () => {
  database = `s_${randomBytes(5).toString('hex')}`;
  store = createChdbEventStore({ dataDir, database });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function event(site: number, visit: string, ts: number, overrides: Partial<EventRow> = {}): EventRow {
  return sampleEventRow({
    site_id: site,
    visitor_id: visit,
    session_id: visit,
    ts,
    event_id: randomUUID(),
    ...overrides,
  });
}

const quarter = (ms: number) => Math.floor(ms / QUARTER) * QUARTER;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** Planned (with the given snapshot) and raw answers over [from, to), in total and by entry page. */
async function answers(site: number, from: number, to: number, snapshot?: VisitSnapshot) {
  const visitSnapshots = snapshot === undefined ? undefined : { read: async () => snapshot };
  const run = (useRollups: boolean, dimensions: string[]) =>
    runStatsQuery(
      {
        store,
        site: { id: site, timezone: 'UTC' },
        goals: [],
        now: Date.now() + 60 * MINUTE,
        useRollups,
        visitSnapshots,
      },
      parseStatsQuery({
        site_id: 'x',
        date_range: [iso(from), iso(to - 1000)],
        metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'],
        dimensions,
      }),
    );
  return {
    planned: [await run(true, []), await run(true, ['visit:entry_page'])],
    raw: [await run(false, []), await run(false, ['visit:entry_page'])],
  };
}

describe('visit snapshots', () => {
  const site = 5;
  const t0 = quarter(Date.now() - 5 * 60 * MINUTE);
  // The range starts inside the first visit, which is finished: its final row crosses the start.
  const from = t0 + QUARTER;
  const tables = () => finishedVisitTables(database);

  it('lists the watermark and the final rows crossing either end of the range', async () => {
    await store.insertBatch(
      [
        event(site, '1', t0 + MINUTE, { pathname: '/early' }),
        event(site, '1', t0 + 20 * MINUTE, { pathname: '/early-2' }),
        event(site, '2', t0 + 40 * MINUTE, { pathname: '/inside' }),
      ],
      'snapshot-1',
    );
    const report = await store.finishVisits({ now: t0 + 3 * 60 * MINUTE, settleMs: 0 });
    const snapshot = await readVisitSnapshot({
      store,
      tables: tables(),
      siteId: site,
      fromSec: from / 1000,
      toSec: quarter(Date.now()) / 1000 + 3600,
    });
    expect(snapshot).toEqual({ finishedBeforeSec: report.finishedBefore / 1000, crossing: [1n] });
  });

  it('gives the exact answer after visits open, grow and are finished since it was taken', async () => {
    const to = quarter(Date.now()) + 2 * QUARTER;
    await store.finishVisits({ now: t0 + 3 * 60 * MINUTE, settleMs: 0 });
    const old = await readVisitSnapshot({
      store,
      tables: tables(),
      siteId: site,
      fromSec: from / 1000,
      toSec: to / 1000,
    });
    const before = await answers(site, from, to, old);
    expect(before.planned).toEqual(before.raw);

    // After the snapshot: a finished visit grows past the watermark, a new visit opens, and the job then finishes
    // both and moves the watermark on.
    const grown = old.finishedBeforeSec * 1000 + MINUTE;
    await store.insertBatch(
      [event(site, '2', grown, { pathname: '/again' }), event(site, '3', grown + 5 * MINUTE, { pathname: '/new' })],
      'snapshot-2',
    );
    let opened = await answers(site, from, to, old);
    expect(opened.planned).toEqual(opened.raw);
    expect(opened.planned[0]!.results[0]!.metrics.slice(0, 3)).toEqual([3, 3, 4]);
    // A back-dated event of a new visit, before the watermark: it counts at once, not at the next snapshot.
    await store.insertBatch([event(site, '4', t0 + 30 * MINUTE, { pathname: '/backfilled' })], 'snapshot-late');
    opened = await answers(site, from, to, old);
    expect(opened.planned).toEqual(opened.raw);
    expect(opened.planned[0]!.results[0]!.metrics.slice(0, 3)).toEqual([4, 4, 5]);

    await store.finishVisits({ now: grown + 60 * MINUTE, settleMs: 0 });
    const finished = await answers(site, from, to, old);
    expect(finished.planned).toEqual(finished.raw);
    expect(finished.planned).toEqual(opened.planned);
  });

  it('answers the same when the list was too long to write out and the query reads it itself', async () => {
    await store.insertBatch([event(site, '1', t0 + 25 * MINUTE, { pathname: '/late-again' })], 'snapshot-3');
    const to = quarter(Date.now()) + 2 * QUARTER;
    const result = await answers(site, from, to, { finishedBeforeSec: 0, crossing: undefined });
    expect(result.planned).toEqual(result.raw);
    const listed = await readVisitSnapshot({
      store,
      tables: tables(),
      siteId: site,
      fromSec: from / 1000,
      toSec: to / 1000,
    });
    expect(listed.crossing).toEqual([1n]);
    expect((await answers(site, from, to, listed)).planned).toEqual(result.planned);
  });

  it('serves the queries of one dashboard load from one read, and reads again once it is a few seconds old', async () => {
    let reads = 0;
    let failNext = false;
    const counting = {
      query: <T>(sql: string, params?: Parameters<EventStore['query']>[1]) => {
        reads += 1;
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('engine busy'));
        }
        return store.query<T>(sql, params);
      },
    };
    let clock = 1_000_000;
    const snapshots = createVisitSnapshots({ now: () => clock, ttlMs: 3000 });
    const request = {
      store: counting,
      tables: tables(),
      siteId: site,
      fromSec: from / 1000,
      toSec: from / 1000 + 86_400,
    };
    const together = await Promise.all([snapshots.read(request), snapshots.read(request), snapshots.read(request)]);
    expect(reads).toBe(1);
    expect(together[1]).toBe(together[0]);
    await snapshots.read({ ...request, toSec: request.toSec + 900 });
    expect(reads).toBe(2);
    clock += 3000;
    await snapshots.read(request);
    expect(reads).toBe(3);

    clock += 3000;
    failNext = true;
    await expect(snapshots.read(request)).rejects.toThrow('engine busy');
    await snapshots.read(request);
    expect(reads).toBe(5);
  });
});
