import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../domain/event.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { runRealtimeBreakdown } from './realtime-breakdown.js';
import { runRealtime } from './run.js';

const SITE = { id: 31, timezone: 'Europe/Berlin' };
const NOW = Date.UTC(2025, 5, 18, 12, 0, 0);
const MINUTE = 60_000;
const common = { site_id: SITE.id, props: {} };
const google = { referrer_source: 'Google', referrer: 'https://www.google.com/' };
const direct = { referrer_source: '', referrer: '' };

/**
 * Visitor 1 arrived from Google 20 minutes ago and is now on /pricing (an internal click: no referrer of its own);
 * visitor 2 came direct a minute ago; visitor 3 left 10 minutes ago; visitor 4 only reported engagement in the window;
 * a bot and another site's visitor are noise.
 */
const ROWS: EventRow[] = [
  sampleEventRow({ ...common, ...google, ts: NOW - 20 * MINUTE, pathname: '/', visitor_id: '1', session_id: '1' }),
  sampleEventRow({
    ...common,
    ...direct,
    ts: NOW - 2 * MINUTE,
    pathname: '/pricing',
    visitor_id: '1',
    session_id: '1',
  }),
  sampleEventRow({ ...common, ...direct, ts: NOW - MINUTE, pathname: '/pricing', visitor_id: '2', session_id: '2' }),
  sampleEventRow({ ...common, ...google, ts: NOW - 10 * MINUTE, pathname: '/blog', visitor_id: '3', session_id: '3' }),
  sampleEventRow({
    ...common,
    ts: NOW - MINUTE,
    name: 'engagement',
    pathname: '/blog',
    visitor_id: '4',
    session_id: '4',
  }),
  sampleEventRow({ ...common, ts: NOW - MINUTE, pathname: '/', visitor_id: '5', session_id: '5', is_bot: 1 }),
  sampleEventRow({ site_id: 32, ts: NOW - MINUTE, pathname: '/', visitor_id: '6', session_id: '6' }),
];

let dataDir: string;
let store: EventStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-realtime-'));
  store = createChdbEventStore({ dataDir, database: 'stats_test_realtime' });
  await store.migrate();
  await store.insertBatch(ROWS, 'realtime-fixture');
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('runRealtimeBreakdown', () => {
  it("lists the current visitors' pages and the sources their visits started from", async () => {
    const deps = { store, site: SITE, now: NOW };
    const breakdown = await runRealtimeBreakdown(deps);
    expect(breakdown.pages).toEqual([{ page: '/pricing', visitors: 2 }]);
    expect(breakdown.sources).toEqual([
      { source: 'Direct / None', visitors: 1 },
      { source: 'Google', visitors: 1 },
    ]);
    // The lists cover the same people the visitor count does.
    expect((await runRealtime(deps)).visitors).toBe(2);
  });

  it('is empty when nobody is on the site', async () => {
    expect(await runRealtimeBreakdown({ store, site: SITE, now: NOW + 60 * MINUTE })).toEqual({
      pages: [],
      sources: [],
    });
  });
});
