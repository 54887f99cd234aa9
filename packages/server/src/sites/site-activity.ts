import type { EventStore } from '../storage/events/event-store.js';

export interface Installation {
  /** True once the site has any stored event: the tracker (or an API sender) reached us. */
  installed: boolean;
  firstEventAt: string | null;
  lastEventAt: string | null;
}

export interface DaySummary {
  /** Distinct visitors over the last 24 hours. */
  visitors24h: number;
  /** Distinct visitors per hour, oldest first; the last entry is the current (partial) hour. */
  series: number[];
}

const HOUR_MS = 3_600_000;
export const SUMMARY_HOURS = 24;

/**
 * The installation check: first and last event of the site, any kind, bots included (a first visit from a crawler
 * still proves the snippet is live). Scans only the site's part of the primary key.
 */
export async function installationOf(events: EventStore, siteId: number): Promise<Installation> {
  const [row] = await events.query<{ n: string; first_ms: string; last_ms: string }>(
    `SELECT count() AS n, toInt64(toUnixTimestamp64Milli(min(ts))) AS first_ms, toInt64(toUnixTimestamp64Milli(max(ts))) AS last_ms FROM ${events.eventsTable} WHERE site_id = {site:UInt32}`,
    { site: siteId },
  );
  if (row === undefined || Number(row.n) === 0) return { installed: false, firstEventAt: null, lastEventAt: null };
  return {
    installed: true,
    firstEventAt: new Date(Number(row.first_ms)).toISOString(),
    lastEventAt: new Date(Number(row.last_ms)).toISOString(),
  };
}

/**
 * Visitors of the last 24 hours and per clock hour, for the sites list sparkline. Counted like the dashboard counts
 * them (stats/compile.ts): distinct visitor ids of non-bot events, engagement pings excluded.
 * The series holds the 23 whole hours before the current one and the current hour so far.
 */
export async function daySummaryOf(events: EventStore, siteId: number, now: number): Promise<DaySummary> {
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const seriesFrom = currentHour - (SUMMARY_HOURS - 1) * HOUR_MS;
  const from = now - SUMMARY_HOURS * HOUR_MS;
  const rows = await events.query<{ hour_ms: string; visitors: string }>(
    `SELECT toInt64(toUnixTimestamp(toStartOfHour(ts))) * 1000 AS hour_ms, uniqExact(visitor_id) AS visitors FROM ${events.eventsTable} ` +
      `WHERE site_id = {site:UInt32} AND ts >= fromUnixTimestamp64Milli({seriesFrom:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({now:Int64}, 'UTC') ` +
      "AND is_bot = 0 AND name != 'engagement' GROUP BY hour_ms " +
      `UNION ALL SELECT toInt64(-1) AS hour_ms, uniqExact(visitor_id) AS visitors FROM ${events.eventsTable} ` +
      `WHERE site_id = {site:UInt32} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({now:Int64}, 'UTC') ` +
      "AND is_bot = 0 AND name != 'engagement'",
    { site: siteId, seriesFrom, from, now },
  );
  const series = new Array<number>(SUMMARY_HOURS).fill(0);
  let visitors24h = 0;
  for (const row of rows) {
    const hour = Number(row.hour_ms);
    if (hour === -1) {
      visitors24h = Number(row.visitors);
      continue;
    }
    const index = (hour - seriesFrom) / HOUR_MS;
    if (Number.isInteger(index) && index >= 0 && index < SUMMARY_HOURS) series[index] = Number(row.visitors);
  }
  return { visitors24h, series };
}
