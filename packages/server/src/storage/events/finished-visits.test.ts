import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../domain/event.js';
import { parseStatsQuery } from '../../stats/query.js';
import { runStatsQuery } from '../../stats/run.js';
import { createChdbEventStore } from './chdb.js';
import { sampleEventRow } from './event-row.fixture.js';
import type { EventStore } from './event-store.js';
import { finishedVisitTables } from './schema.js';

/**
 * The finishing job on a real chDB store: final rows for visits that stopped growing, none for open ones, late
 * events rebuilding their visit, a visit growing after it was finished replaced rather than doubled, and the stats
 * answers equal to raw events in each of those states. The scheduled job's lease is tested in jobs/finish-visits.test.ts.
 */

const MINUTE = 60_000;
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-finished-'));
let store: EventStore;
let database: string;

beforeAll(async () => {
  database = `f_${randomBytes(5).toString('hex')}`;
  store = createChdbEventStore({ dataDir, database });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface FinalRow {
  session_id: string;
  pageviews: string;
  entry_page: string;
  exit_page: string;
  a_source: string;
}

async function finalRows(site: number): Promise<FinalRow[]> {
  return store.query<FinalRow>(
    `SELECT toString(session_id) AS session_id, toString(pageviews) AS pageviews, entry_page, exit_page, a_source
     FROM ${finishedVisitTables(database).visits} WHERE site_id = {site:UInt32} ORDER BY session_id`,
    { site },
  );
}

async function flags(): Promise<number> {
  const [row] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM ${finishedVisitTables(database).lateVisits}`,
  );
  return Number(row!.n);
}

function event(site: number, session: string, ts: number, overrides: Partial<EventRow> = {}): EventRow {
  return sampleEventRow({
    site_id: site,
    visitor_id: session,
    session_id: session,
    ts,
    event_id: randomUUID(),
    ...overrides,
  });
}

/** Planned and raw answers for the site over [from, to) (quarter-hour instants), by source and in total. */
async function answers(site: number, from: number, to: number) {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  const run = (useRollups: boolean, dimensions: string[]) =>
    runStatsQuery(
      { store, site: { id: site, timezone: 'UTC' }, goals: [], now: Date.now() + 60 * MINUTE, useRollups },
      parseStatsQuery({
        site_id: 'x',
        date_range: [iso(from), iso(to - 1000)],
        metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'],
        dimensions,
      }),
    );
  return {
    planned: [await run(true, []), await run(true, ['visit:source'])],
    raw: [await run(false, []), await run(false, ['visit:source'])],
  };
}

const quarter = (ms: number) => Math.floor(ms / (15 * MINUTE)) * 15 * MINUTE;

describe('finishing visits', () => {
  const site = 7;
  const start = quarter(Date.now() - 6 * 60 * MINUTE);
  const older = '101';
  const open = '102';

  it('writes one final row per visit that stopped growing, and none for a visit still open', async () => {
    await store.insertBatch(
      [
        event(site, older, start + MINUTE, { pathname: '/', referrer_source: 'Google' }),
        event(site, older, start + 20 * MINUTE, { pathname: '/pricing', referrer_source: 'Bing' }),
        // Still open: events a minute ago, so not late either.
        event(site, open, Date.now() - MINUTE, { pathname: '/now' }),
      ],
      'finish-1',
    );
    // The older visit arrived hours after its time: flagged late, so queries regroup it until the job runs.
    expect(await flags()).toBe(1);
    const before = await answers(site, start, quarter(Date.now()) + 15 * MINUTE);
    expect(before.planned).toEqual(before.raw);

    const report = await store.finishVisits({ settleMs: 0 });
    expect(report.finishedBefore).toBeLessThan(Date.now() - 30 * MINUTE);
    expect(report.rebuiltDays).toBe(1);
    expect(await flags()).toBe(0);
    expect(await finalRows(site)).toEqual([
      { session_id: older, pageviews: '2', entry_page: '/', exit_page: '/pricing', a_source: 'Google' },
    ]);
    const after = await answers(site, start, quarter(Date.now()) + 15 * MINUTE);
    expect(after.planned).toEqual(after.raw);
    expect(after.planned[0]!.results[0]!.metrics.slice(0, 3)).toEqual([2, 2, 3]);
  });

  it('runs again without writing anything twice', async () => {
    await store.finishVisits({ settleMs: 0 });
    expect(await finalRows(site)).toHaveLength(1);
  });

  it('rebuilds a finished visit that a late event reached, and answers exactly in between', async () => {
    await store.insertBatch([event(site, older, start + 40 * MINUTE, { pathname: '/docs' })], 'finish-late');
    expect(await flags()).toBe(1);
    // The final row lacks the late pageview; the query regroups the flagged visit instead.
    const between = await answers(site, start, quarter(Date.now()) + 15 * MINUTE);
    expect(between.planned).toEqual(between.raw);
    expect(between.planned[0]!.results[0]!.metrics[2]).toBe(4);

    const report = await store.finishVisits({ settleMs: 0 });
    expect(report.replacedRows).toBe(true);
    expect(await finalRows(site)).toEqual([
      { session_id: older, pageviews: '3', entry_page: '/', exit_page: '/docs', a_source: 'Google' },
    ]);
    const after = await answers(site, start, quarter(Date.now()) + 15 * MINUTE);
    expect(after.planned).toEqual(after.raw);
  });

  it('keeps a late flag younger than the settling time for the next run', async () => {
    await store.insertBatch([event(site, older, start + 41 * MINUTE, { name: 'Signup' })], 'finish-settle');
    await store.finishVisits();
    expect(await flags()).toBe(1);
    const during = await answers(site, start, quarter(Date.now()) + 15 * MINUTE);
    expect(during.planned).toEqual(during.raw);
    await store.finishVisits({ settleMs: 0 });
    expect(await flags()).toBe(0);
  });

  it('replaces the final row of a visit that grows after it was finished, instead of counting it twice', async () => {
    const other = 8;
    const visit = '201';
    const t0 = Date.now() - 2 * MINUTE;
    await store.insertBatch([event(other, visit, t0, { pathname: '/a' })], 'grow-1');
    // Move the job's clock past the visit: it is finished at the next quarter hour after t0.
    const first = await store.finishVisits({ now: t0 + 50 * MINUTE, settleMs: 0 });
    expect(first.finishedBefore).toBeGreaterThan(t0);
    expect(await finalRows(other)).toHaveLength(1);
    // An engagement ping kept the session alive, then a pageview came: on time, after the watermark.
    const later = first.finishedBefore + MINUTE;
    await store.insertBatch([event(other, visit, later, { pathname: '/b' })], 'grow-2');
    const range: [number, number] = [quarter(t0), first.finishedBefore + 15 * MINUTE];
    const between = await answers(other, ...range);
    expect(between.planned).toEqual(between.raw);
    expect(between.planned[0]!.results[0]!.metrics.slice(0, 3)).toEqual([1, 1, 2]);

    const second = await store.finishVisits({ now: later + 50 * MINUTE, settleMs: 0 });
    expect(second.replacedRows).toBe(true);
    expect(await finalRows(other)).toEqual([
      { session_id: visit, pageviews: '2', entry_page: '/a', exit_page: '/b', a_source: expect.any(String) },
    ]);
    const after = await answers(other, ...range);
    expect(after.planned).toEqual(after.raw);
  });
});
