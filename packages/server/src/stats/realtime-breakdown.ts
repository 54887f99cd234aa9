import { compileStatsQuery, REALTIME_CURRENT_MS } from './compile.js';
import { parseStatsQuery } from './query.js';
import type { StatsDeps } from './run.js';

/**
 * What the realtime view lists beside the visitor count: the pages current visitors are on and where their visits
 * came from, over the same five minutes `runRealtime` counts visitors in.
 */

export interface RealtimeBreakdown {
  pages: { page: string; visitors: number }[];
  sources: { source: string; visitors: number }[];
}

/** Rows per list. */
export const REALTIME_TOP = 10;
/**
 * How far back a current visit's start is looked for. A visit ends after 30 minutes of inactivity, so only visits
 * active for longer than this lose their source (they then show the source of the earliest event in the window).
 */
export const VISIT_LOOKBACK_MS = 6 * 60 * 60_000;

type Row = Record<string, unknown>;

export async function runRealtimeBreakdown(
  deps: Pick<StatsDeps, 'store' | 'site' | 'now'>,
): Promise<RealtimeBreakdown> {
  const { store, site, now } = deps;
  // The same window as runRealtime's visitor count: events in (now − 5 min, now].
  const current = { fromMs: now - REALTIME_CURRENT_MS, toMs: now + 1 };
  const pagesQuery = parseStatsQuery({
    site_id: String(site.id),
    metrics: ['visitors'],
    date_range: 'day',
    dimensions: ['event:page'],
    pagination: { limit: REALTIME_TOP },
  });
  const pages = compileStatsQuery({
    query: pagesQuery,
    site,
    goals: [],
    range: current,
    eventsTable: store.eventsTable,
  });
  const pageRows = await store.query<Row>(pages.sql, pages.params);

  // A visit's source is that of its first event, which for someone browsing for a while lies before the window:
  // pick the visits active in the window, then read their start from further back.
  const counted = "is_bot = 0 AND site_id = {site:UInt32} AND name != 'engagement'";
  const window = (from: string) =>
    `ts >= fromUnixTimestamp64Milli({${from}:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;
  const sourceRows = await store.query<Row>(
    `SELECT source, uniqExact(visitor_id) AS visitors FROM (` +
      `SELECT session_id, any(visitor_id) AS visitor_id, argMin(if(referrer_source = '', 'Direct / None', referrer_source), ts) AS source ` +
      `FROM ${store.eventsTable} WHERE ${counted} AND ${window('lookback')} ` +
      `AND session_id IN (SELECT session_id FROM ${store.eventsTable} WHERE ${counted} AND ${window('current')}) ` +
      `GROUP BY session_id) GROUP BY source ORDER BY visitors DESC, source ASC LIMIT {limit:UInt32}`,
    {
      site: site.id,
      lookback: current.fromMs - VISIT_LOOKBACK_MS,
      current: current.fromMs,
      to: current.toMs,
      limit: REALTIME_TOP,
    },
  );

  return {
    pages: pageRows.map((row) => ({
      page: String(row[pages.dimensionColumns[0]!] ?? ''),
      visitors: Number(row[pages.metricColumns[0]!] ?? 0) || 0,
    })),
    sources: sourceRows.map((row) => ({ source: String(row.source ?? ''), visitors: Number(row.visitors ?? 0) || 0 })),
  };
}
