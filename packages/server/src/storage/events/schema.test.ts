import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../domain/event.js';
import { createChdbEventStore } from './chdb.js';
import { sampleEventRow } from './event-row.fixture.js';
import type { EventStore } from './event-store.js';
import { applyMigrations, MIGRATIONS, sessionsRollupTable } from './schema.js';
import { deleteSiteRows } from './site-deletion.js';

/**
 * The visit rollup (migration 2) on a real chDB store: its view keeps it in step with inserts, a retried batch counts
 * once, and the backfill turns events stored before the view existed into the same rows, also when it runs twice.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'sightline-schema-'));
const opened: EventStore[] = [];

afterAll(async () => {
  for (const store of opened) await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function openStore() {
  const database = `s_${randomBytes(5).toString('hex')}`;
  const store = createChdbEventStore({ dataDir, database });
  opened.push(store);
  return { store, database };
}

const T = Date.UTC(2025, 2, 29, 22, 50);
/** Two visits: one crossing a bucket boundary (and local midnight in Berlin), one with a bot row and engagement. */
const ROWS: EventRow[] = [
  sampleEventRow({ site_id: 1, visitor_id: '1', session_id: '11', ts: T, pathname: '/' }),
  sampleEventRow({ site_id: 1, visitor_id: '1', session_id: '11', ts: T + 20 * 60_000, pathname: '/pricing' }),
  sampleEventRow({
    site_id: 1,
    visitor_id: '1',
    session_id: '11',
    ts: T + 21 * 60_000,
    name: 'Signup',
    pathname: '/pricing',
  }),
  sampleEventRow({ site_id: 1, visitor_id: '2', session_id: '12', ts: T + 60_000, pathname: '/blog' }),
  sampleEventRow({
    site_id: 1,
    visitor_id: '2',
    session_id: '12',
    ts: T + 90_000,
    name: 'engagement',
    pathname: '/blog',
    interactive: 0,
  }),
  sampleEventRow({ site_id: 1, visitor_id: '3', session_id: '13', ts: T, pathname: '/', is_bot: 1 }),
];

interface VisitFigures {
  session_id: string;
  visitor: string;
  pageviews: string;
  events: string;
  interactions: string;
  entry: string;
  exit: string;
  source: string;
  buckets: string;
}

/** The rollup merged per visit, as the stats planner reads it. */
async function visits(store: EventStore, database: string): Promise<VisitFigures[]> {
  return store.query<VisitFigures>(
    `SELECT toString(session_id) AS session_id, toString(min(visitor_id)) AS visitor, toString(sum(pageviews)) AS pageviews,
            toString(sum(events)) AS events, toString(sum(interactions)) AS interactions, argMinMerge(entry_page) AS entry,
            argMaxMerge(exit_page) AS exit, argMinMerge(a_source) AS source, toString(uniqExact(bucket)) AS buckets
     FROM ${sessionsRollupTable(database)} GROUP BY session_id ORDER BY session_id`,
  );
}

const EXPECTED: VisitFigures[] = [
  {
    session_id: '11',
    visitor: '1',
    pageviews: '2',
    events: '3',
    interactions: '1',
    entry: '/',
    exit: '/pricing',
    source: 'Google',
    buckets: '2',
  },
  {
    session_id: '12',
    visitor: '2',
    pageviews: '1',
    events: '1',
    interactions: '0',
    entry: '/blog',
    exit: '/blog',
    source: 'Google',
    buckets: '1',
  },
];

describe('visit rollup (migration 2)', () => {
  it('is kept up to date by its view: counted events only, one piece per visit and 15-minute bucket', async () => {
    const { store, database } = openStore();
    await store.migrate();
    await store.insertBatch(ROWS.slice(0, 2), 'first');
    await store.insertBatch(ROWS.slice(2), 'second');
    expect(await visits(store, database)).toEqual(EXPECTED);
  });

  it('stores a retried batch once, like the events table', async () => {
    const { store, database } = openStore();
    await store.migrate();
    await store.insertBatch(ROWS, 'batch-1');
    await store.insertBatch(ROWS, 'batch-1');
    const [events] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.eventsTable}`);
    expect(events?.n).toBe(String(ROWS.length));
    expect(await visits(store, database)).toEqual(EXPECTED);
    // A different token is a different batch: the rollup counts it (the same rows again, as a second delivery).
    await store.insertBatch(ROWS.slice(3, 4), 'batch-2');
    const [visit] = (await visits(store, database)).filter((row) => row.session_id === '12');
    expect(visit?.pageviews).toBe('2');
  });

  it('backfills events stored before the rollup existed, and a repeated backfill does not double them', async () => {
    const { store, database } = openStore();
    const [first, second] = MIGRATIONS;
    expect(await applyMigrations(store, database, [first!])).toEqual([1]);
    await store.insertBatch(ROWS, 'before-the-rollup');
    expect(await applyMigrations(store, database, MIGRATIONS)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
    expect(await visits(store, database)).toEqual(EXPECTED);
    // A crash after the backfill but before the version was recorded runs it again.
    await second!.backfill!(store, database);
    expect(await visits(store, database)).toEqual(EXPECTED);
    // And the view goes on from there.
    await store.insertBatch(
      [sampleEventRow({ site_id: 1, visitor_id: '2', session_id: '12', ts: T + 2 * 60_000, pathname: '/docs' })],
      'after',
    );
    const [visit] = (await visits(store, database)).filter((row) => row.session_id === '12');
    expect(visit).toMatchObject({ pageviews: '2', exit: '/docs' });
  });

  it('loses the rows of a deleted site along with its events', async () => {
    const { store, database } = openStore();
    await store.migrate();
    await store.insertBatch([...ROWS, sampleEventRow({ site_id: 2, visitor_id: '9', session_id: '99' })], 'sites');
    await deleteSiteRows(store, database, 1);
    const rows = await store.query<{ site_id: number }>(
      `SELECT DISTINCT site_id FROM ${sessionsRollupTable(database)} ORDER BY site_id`,
    );
    expect(rows).toEqual([{ site_id: 2 }]);
  });
});
