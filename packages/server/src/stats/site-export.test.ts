import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../domain/event.js';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { sampleEventRow } from '../storage/events/event-row.fixture.js';
import type { EventStore } from '../storage/events/event-store.js';
import type { Goal } from './compile.js';
import { StatsQueryError } from './query.js';
import type { StatsDeps } from './run.js';
import { buildSiteExport, SITE_EXPORT_FILES } from './site-export.js';

/**
 * Three visits on a UTC site, worked out by hand:
 *  v1 (Google, utm_source=newsletter, US, Chrome/Windows desktop): 10 June 09:00 pageview /, +60 s /pricing,
 *     +90 s custom event `=HYPERLINK("x")` (a name a spreadsheet would run)              → 2 pv, 90 s, no bounce
 *  v2 (direct, DE, Firefox/Linux, mobile screen): 12 June 18:00 pageview /pricing         → bounce
 *  v3 (direct, DE): 12 June 19:00 pageview /, +30 s Signup                                → 1 pv, 30 s, no bounce
 *  noise: a bot, another site, a pageview on 20 June (outside the range).
 */
const SITE = { id: 21, timezone: 'UTC' };
const NOW = Date.UTC(2025, 5, 18, 12, 0, 0);
const GOALS: Goal[] = [
  { id: 'Signup', kind: 'event', eventName: 'Signup' },
  { id: 'Saw pricing', kind: 'pageview', pathPattern: '/pricing' },
];
const V1 = Date.UTC(2025, 5, 10, 9, 0, 0);
const V2 = Date.UTC(2025, 5, 12, 18, 0, 0);
const V3 = Date.UTC(2025, 5, 12, 19, 0, 0);

const common = { site_id: SITE.id, props: {} };
const google = { referrer_source: 'Google', referrer: 'https://www.google.com/', channel: 'Organic Search' };
const direct = { referrer_source: '', referrer: '', channel: 'Direct', country: 'DE', browser: 'Firefox', os: 'Linux' };
const v1 = (o: Partial<EventRow>) =>
  sampleEventRow({
    ...common,
    ...google,
    utm_source: 'newsletter',
    country: 'US',
    browser: 'Chrome',
    os: 'Windows',
    visitor_id: '1',
    session_id: '11',
    ...o,
  });
const v2 = (o: Partial<EventRow>) =>
  sampleEventRow({ ...common, ...direct, screen_w: 390, visitor_id: '2', session_id: '12', ...o });
const v3 = (o: Partial<EventRow>) => sampleEventRow({ ...common, ...direct, visitor_id: '3', session_id: '13', ...o });

const ROWS: EventRow[] = [
  v1({ ts: V1, pathname: '/' }),
  v1({ ts: V1 + 60_000, pathname: '/pricing', referrer: '', referrer_source: '' }),
  v1({ ts: V1 + 90_000, name: '=HYPERLINK("x")', pathname: '/pricing' }),
  v2({ ts: V2, pathname: '/pricing' }),
  v3({ ts: V3, pathname: '/' }),
  v3({ ts: V3 + 30_000, name: 'Signup', pathname: '/' }),
  sampleEventRow({ ...common, ts: V1, visitor_id: '9', session_id: '19', is_bot: 1 }),
  sampleEventRow({ site_id: 22, ts: V1, visitor_id: '10', session_id: '20' }),
  sampleEventRow({ ...common, ts: Date.UTC(2025, 5, 20, 9, 0, 0), visitor_id: '11', session_id: '21' }),
];

let dataDir: string;
let store: EventStore;
let deps: StatsDeps;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-site-export-'));
  store = createChdbEventStore({ dataDir, database: 'stats_test_site_export' });
  await store.migrate();
  await store.insertBatch(ROWS, 'site-export-fixture');
  deps = { store, site: SITE, goals: GOALS, now: NOW };
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function csvLines(files: Record<string, Uint8Array>, name: string): string[] {
  const file = files[name];
  if (file === undefined) throw new Error(`${name} is missing from the zip`);
  const text = strFromU8(file);
  expect(text.endsWith('\r\n')).toBe(true);
  return text.slice(0, -2).split('\r\n');
}

describe('buildSiteExport', () => {
  it('zips one CSV per report with the dashboard numbers', async () => {
    const exported = await buildSiteExport(deps, ['2025-06-09', '2025-06-15']);
    expect(exported.dateRange).toEqual(['2025-06-09T00:00:00+00:00', '2025-06-15T23:59:59+00:00']);
    const files = unzipSync(exported.zip);
    expect(Object.keys(files)).toEqual(['visitors.csv', ...SITE_EXPORT_FILES.map((file) => file.name)]);
    expect(exported.files).toEqual(Object.keys(files));

    expect(csvLines(files, 'visitors.csv')).toEqual([
      'date,visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration',
      '2025-06-09,0,0,0,0,0,0',
      '2025-06-10,1,1,2,2,0,90',
      '2025-06-11,0,0,0,0,0,0',
      '2025-06-12,2,2,2,1,50,15',
      '2025-06-13,0,0,0,0,0,0',
      '2025-06-14,0,0,0,0,0,0',
      '2025-06-15,0,0,0,0,0,0',
    ]);
    expect(csvLines(files, 'pages.csv')).toEqual([
      'page,visitors,visits,pageviews,bounce_rate,time_on_page,scroll_depth',
      '/,2,2,2,0,0,0',
      '/pricing,2,2,2,50,0,0',
    ]);
    expect(csvLines(files, 'entry_pages.csv')).toEqual([
      'entry_page,visitors,visits,bounce_rate,visit_duration',
      '/,2,2,0,60',
      '/pricing,1,1,100,0',
    ]);
    expect(csvLines(files, 'sources.csv')).toEqual([
      'source,visitors,visits,bounce_rate,visit_duration',
      'Direct / None,2,2,50,15',
      'Google,1,1,0,90',
    ]);
    expect(csvLines(files, 'utm_sources.csv')).toEqual([
      'utm_source,visitors,visits,bounce_rate,visit_duration',
      'newsletter,1,1,0,90',
    ]);
    expect(csvLines(files, 'utm_campaigns.csv')).toEqual(['utm_campaign,visitors,visits,bounce_rate,visit_duration']);
    expect(csvLines(files, 'countries.csv')).toEqual([
      'country,visitors,visits,bounce_rate,visit_duration',
      'DE,2,2,50,15',
      'US,1,1,0,90',
    ]);
    expect(csvLines(files, 'screen_sizes.csv')).toEqual([
      'screen_size,visitors,visits,bounce_rate,visit_duration',
      'Desktop,2,2,0,60',
      'Mobile,1,1,100,0',
    ]);
    // Pageviews are not custom events; a name a spreadsheet would evaluate is defused with a leading quote.
    expect(csvLines(files, 'custom_events.csv')).toEqual([
      'event,visitors,events',
      `"'=HYPERLINK(""x"")",1,1`,
      'Signup,1,1',
    ]);
    expect(csvLines(files, 'goals.csv')).toEqual([
      'goal,visitors,events,conversion_rate',
      'Saw pricing,2,2,66.67',
      'Signup,1,1,33.33',
    ]);
  });

  it('refuses a range whose daily timeseries would be too long', async () => {
    await expect(buildSiteExport(deps, ['1980-01-01', '2025-06-15'])).rejects.toThrow(StatsQueryError);
  });
});
