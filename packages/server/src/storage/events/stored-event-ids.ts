import type { EventRow } from '../../domain/event.js';
import type { SqlRunner } from './schema.js';

/** Ids per lookup query: keeps each bound list, and the set ClickHouse builds from it, small. */
const IDS_PER_QUERY = 10_000;

/**
 * Which of `rows` the events table holds, by event_id (lowercase). The rows' sites and time span narrow the search to
 * the parts that can hold them (the table is ordered by site and time), so a lookup after a crash reads little.
 */
export async function findStoredEventIds(
  runner: Pick<SqlRunner, 'query'>,
  eventsTable: string,
  rows: readonly Pick<EventRow, 'site_id' | 'ts' | 'event_id'>[],
): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let start = 0; start < rows.length; start += IDS_PER_QUERY) {
    const chunk = rows.slice(start, start + IDS_PER_QUERY);
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    const sites = new Set<number>();
    for (const row of chunk) {
      from = Math.min(from, row.ts);
      to = Math.max(to, row.ts);
      sites.add(row.site_id);
    }
    const found = await runner.query<{ id: string }>(
      `SELECT DISTINCT toString(event_id) AS id FROM ${eventsTable} ` +
        "WHERE site_id IN {sites:Array(UInt32)} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') " +
        "AND ts <= fromUnixTimestamp64Milli({to:Int64}, 'UTC') AND event_id IN {ids:Array(UUID)}",
      { sites: [...sites], from, to, ids: chunk.map((row) => row.event_id) },
    );
    for (const { id } of found) stored.add(id.toLowerCase());
  }
  return stored;
}
