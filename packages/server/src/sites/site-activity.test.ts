import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import { daySummaryOf, installationOf } from './site-activity.js';

const HOUR = 3_600_000;
// 2025-03-10 14:25 UTC: the current hour is 14:00, so the series runs from 15:00 the day before.
const NOW = Date.UTC(2025, 2, 10, 14, 25);
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-activity-'));
let store: EventStore;

beforeAll(async () => {
  store = createChdbEventStore({ dataDir, database: `t_${randomBytes(5).toString('hex')}` });
  await store.migrate();
  const visitor = (id: number) => String(1_000_000 + id);
  await store.insertBatch(
    [
      // Site 1: visitor 1 twice in the current hour, visitor 2 three hours ago, visitor 3 in the oldest series hour.
      sampleEventRow({ site_id: 1, ts: NOW - 10 * 60_000, visitor_id: visitor(1) }),
      sampleEventRow({ site_id: 1, ts: NOW - 5 * 60_000, visitor_id: visitor(1) }),
      sampleEventRow({ site_id: 1, ts: NOW - 3 * HOUR, visitor_id: visitor(2) }),
      sampleEventRow({ site_id: 1, ts: Date.UTC(2025, 2, 9, 15, 5), visitor_id: visitor(3) }),
      // 23h50m ago: inside the last 24 hours, but before the oldest hour the series shows.
      sampleEventRow({ site_id: 1, ts: NOW - 23 * HOUR - 50 * 60_000, visitor_id: visitor(4) }),
      // Not counted: older than 24 hours, a bot, an engagement ping, in the future, another site.
      sampleEventRow({ site_id: 1, ts: NOW - 25 * HOUR, visitor_id: visitor(5) }),
      sampleEventRow({ site_id: 1, ts: NOW - HOUR, visitor_id: visitor(6), is_bot: 1 }),
      sampleEventRow({ site_id: 1, ts: NOW - HOUR, visitor_id: visitor(7), name: 'engagement' }),
      sampleEventRow({ site_id: 1, ts: NOW + HOUR, visitor_id: visitor(8) }),
      sampleEventRow({ site_id: 2, ts: NOW - HOUR, visitor_id: visitor(9) }),
    ],
    'activity-1',
  );
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('installationOf', () => {
  it('is not installed before the first event', async () => {
    expect(await installationOf(store, 3)).toEqual({ installed: false, firstEventAt: null, lastEventAt: null });
  });

  it('gives the first and last event times once events arrived', async () => {
    expect(await installationOf(store, 2)).toEqual({
      installed: true,
      firstEventAt: new Date(NOW - HOUR).toISOString(),
      lastEventAt: new Date(NOW - HOUR).toISOString(),
    });
    const site1 = await installationOf(store, 1);
    expect(site1.firstEventAt).toBe(new Date(NOW - 25 * HOUR).toISOString());
    expect(site1.lastEventAt).toBe(new Date(NOW + HOUR).toISOString());
  });
});

describe('daySummaryOf', () => {
  it('counts distinct human visitors per hour and over the last 24 hours', async () => {
    const summary = await daySummaryOf(store, 1, NOW);
    expect(summary.visitors24h).toBe(4);
    expect(summary.series).toHaveLength(24);
    const expected = new Array(24).fill(0);
    expected[0] = 1; // visitor 3, 15:05 yesterday
    expected[20] = 1; // visitor 2, 11:25 today
    expected[23] = 1; // visitor 1, twice this hour
    expect(summary.series).toEqual(expected);
  });

  it('is all zeros for a site without events', async () => {
    expect(await daySummaryOf(store, 3, NOW)).toEqual({ visitors24h: 0, series: new Array(24).fill(0) });
  });
});
