import type { DateRangeInput } from './query.js';
import { resolveRange, type StatsDeps } from './run.js';

/** The most keys one listing returns. */
export const MAX_PROP_KEYS = 100;

export interface PropKeyCount {
  key: string;
  /** Events in the range that carry the key. */
  events: number;
}

/**
 * Custom-property keys of a site's events in a range, most used first (then by key), optionally of one event name:
 * what the dashboard offers to break down by (`event:props:<key>`).
 */
export async function topPropKeys(
  deps: Pick<StatsDeps, 'store' | 'site' | 'now'>,
  dateRange: DateRangeInput,
  event: string | undefined,
): Promise<PropKeyCount[]> {
  const { store, site } = deps;
  const range = await resolveRange(deps, dateRange);
  const rows = await store.query<{ key: string; events: string | number }>(
    `SELECT key, count() AS events FROM ${store.eventsTable} ARRAY JOIN mapKeys(props) AS key ` +
      `WHERE site_id = {site:UInt32} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') ` +
      `AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC') AND is_bot = 0` +
      (event === undefined ? '' : ' AND name = {event:String}') +
      ' GROUP BY key ORDER BY events DESC, key ASC LIMIT {limit:UInt32}',
    {
      site: site.id,
      from: range.fromMs,
      to: range.toMs,
      limit: MAX_PROP_KEYS,
      ...(event === undefined ? {} : { event }),
    },
  );
  return rows.map((row) => ({ key: String(row.key), events: Number(row.events) || 0 }));
}
