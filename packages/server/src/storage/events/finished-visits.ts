import { SESSION_TIMEOUT_MS } from '../../domain/event.js';
import {
  assertDatabaseName,
  FINISHED_VISIT_MERGE,
  finishedVisitTables,
  LATE_EVENT_AFTER_MS,
  ROLLUP_BUCKET_MS,
  type SqlRunner,
  sessionsRollupTable,
} from './schema.js';

/**
 * The finishing job: writes one final row per visit into `visits` once the visit can no longer grow, so the stats
 * compiler (stats/compile-rollup.ts) reads whole visits as narrow rows instead of regrouping their 15-minute pieces.
 *
 * The watermark `finished_before` (a bucket boundary) promises: every visit whose last rollup bucket lies before it
 * has exactly one final row, unless it is flagged late. A query therefore takes a visit's final row only when the
 * visit has no rollup piece at or after the watermark and is not flagged; every other
 * visit it regroups from the rollup as before. The answers are the same either way; the final rows only make them
 * cheaper.
 *
 * Why a visit before the watermark cannot grow: an event joins a visit only within 30 minutes of it (the ingest's
 * session step), and the watermark stays 30 minutes plus the late margin behind the engine's clock. An event stored
 * later with an older time is late by definition: the `late_visits_mv` view flags its visit as it is inserted, and
 * the next run rebuilds that visit whole. A visit kept alive by engagement pings
 * alone can still gain a counted event after its final row was written; that event lands at or after the watermark,
 * so queries regroup the visit, and the run that passes it replaces the stale row.
 *
 * One run at a time per database: the server's job takes a lease (jobs/finish-visits.ts).
 */

export interface FinishVisitsOptions {
  /** The instant to finish up to (epoch ms). Default: the engine's clock. */
  now?: number;
  /**
   * Late flags younger than this stay for the next run: an insert still in flight may carry a flag stamped just
   * before this run read the rollup. Default 10 minutes; a caller that knows every insert has finished passes 0.
   */
  settleMs?: number;
  /** Called between the steps of a long catch-up (the server's job renews its lease there). */
  onStep?: () => Promise<void>;
}

export interface FinishVisitsReport {
  /** The watermark after the run (epoch ms). */
  finishedBefore: number;
  /** UTC days whose visits were rebuilt because of late events. */
  rebuiltDays: number;
  /** Whether final rows had to be replaced (late events, or visits that grew after they were finished). */
  replacedRows: boolean;
}

const DEFAULT_SETTLE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;
/** UTC days rebuilt per INSERT: bounds the memory of its GROUP BY (a few hundred bytes per visit). */
const REBUILD_CHUNK_DAYS = 7;

/** The merge of a visit's rollup rows into its final row, in the column order of the `visits` table. */
const MERGED_VISIT_COLUMNS = ['site_id', 'session_id', ...FINISHED_VISIT_MERGE.values()].join(', ');

const floorToBucket = (ms: number) => Math.floor(ms / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
const seconds = (ms: number) => Math.floor(ms / 1000);

export async function finishVisits(
  runner: SqlRunner,
  database: string,
  options: FinishVisitsOptions = {},
): Promise<FinishVisitsReport> {
  const db = assertDatabaseName(database);
  const tables = finishedVisitTables(db);
  const rollup = sessionsRollupTable(db);
  const [clock] = await runner.query<{ now: string | number; previous: string | number }>(
    `SELECT toUnixTimestamp64Milli(now64(3)) AS now, toUInt64(toUnixTimestamp((SELECT max(finished_before) FROM ${tables.progress}))) AS previous`,
  );
  const engineNow = Number(clock!.now);
  const previous = Number(clock!.previous) * 1000;
  const cut = Math.max(previous, floorToBucket((options.now ?? engineNow) - LATE_EVENT_AFTER_MS - SESSION_TIMEOUT_MS));
  const record = () =>
    runner.command(`INSERT INTO ${tables.progress} (finished_before) SELECT toDateTime({cut:UInt32}, 'UTC')`, {
      cut: seconds(cut),
    });
  if (previous === 0) {
    // The migration records the first watermark; a table emptied by hand starts over from here.
    await record();
    return { finishedBefore: cut, rebuiltDays: 0, replacedRows: false };
  }
  const snapshot = engineNow - (options.settleMs ?? DEFAULT_SETTLE_MS);
  const params = { previous: seconds(previous), cut: seconds(cut), snapshot };
  const dirtySessions = `SELECT site_id, session_id FROM ${tables.lateVisits} WHERE flagged_at <= fromUnixTimestamp64Milli({snapshot:Int64}, 'UTC')`;
  const newlyFinished = `SELECT site_id, session_id FROM ${rollup} WHERE bucket >= toDateTime({previous:UInt32}, 'UTC') AND bucket < toDateTime({cut:UInt32}, 'UTC')`;

  // Late events: the flagged visits are rebuilt whole. Their list, with the UTC day each starts on, goes to a scratch
  // table, so each is written by exactly one chunk of days.
  await runner.command(`TRUNCATE TABLE ${tables.rebuild}`);
  await runner.command(
    `INSERT INTO ${tables.rebuild} SELECT site_id, session_id, toUInt32(toDate(min(bucket))) FROM ${rollup} ` +
      `WHERE (site_id, session_id) IN (${dirtySessions}) GROUP BY site_id, session_id`,
    params,
  );
  const days = await runner.query<{ site_id: number | string; day: number | string }>(
    `SELECT DISTINCT site_id, start_day AS day FROM ${tables.rebuild} ORDER BY site_id, day`,
  );
  const daysBySite = new Map<number, number[]>();
  for (const row of days) {
    const site = Number(row.site_id);
    daysBySite.set(site, [...(daysBySite.get(site) ?? []), Number(row.day)]);
  }

  // Rows to replace: of the visits rebuilt below, and of visits that grew after they were finished (they have
  // pieces in the newly finished span). Queries regroup both kinds meanwhile (flagged, or at/after the watermark).
  // Counted first: a DELETE costs seconds even when nothing matches.
  const stale = `(site_id, session_id) IN (${newlyFinished}) OR (site_id, session_id) IN (SELECT site_id, session_id FROM ${tables.rebuild})`;
  const [staleCount] = await runner.query<{ n: string | number }>(
    `SELECT count() AS n FROM ${tables.visits} WHERE ${stale}`,
    params,
  );
  const replacedRows = Number(staleCount!.n) > 0;
  if (replacedRows) await runner.command(`DELETE FROM ${tables.visits} WHERE ${stale}`, params);

  const insert = `INSERT INTO ${tables.visits} SELECT ${MERGED_VISIT_COLUMNS} FROM ${rollup}`;
  let rebuiltDays = 0;
  for (const [site, list] of daysBySite) {
    for (let i = 0; i < list.length; ) {
      const first = list[i]!;
      const chunk: number[] = [];
      while (i < list.length && list[i]! < first + REBUILD_CHUNK_DAYS) chunk.push(list[i++]!);
      // A visit starting in the chunk has all its pieces from its first day on; it is written once its last piece
      // is before the watermark (one that goes on is finished by the normal path below, in this or a later run).
      await runner.command(
        `${insert} WHERE site_id = {site:UInt32} AND bucket >= toDateTime({from:UInt32}, 'UTC') AND session_id IN (` +
          `SELECT session_id FROM ${tables.rebuild} WHERE site_id = {site:UInt32} AND start_day IN {days:Array(UInt32)}) ` +
          `GROUP BY site_id, session_id HAVING max(bucket) < toDateTime({previous:UInt32}, 'UTC')`,
        { site, from: seconds(first * DAY_MS), days: chunk, previous: seconds(previous) },
      );
      rebuiltDays += chunk.length;
      await options.onStep?.();
    }
  }

  // Newly finished: visits whose last piece lies in [previous, cut).
  if (cut > previous) {
    await runner.command(
      `${insert} WHERE (site_id, session_id) IN (${newlyFinished}) GROUP BY site_id, session_id ` +
        "HAVING max(bucket) < toDateTime({cut:UInt32}, 'UTC')",
      params,
    );
    await record();
  }
  // Every flagged visit was rebuilt above, or is finished by this run or a later one once it has stopped growing.
  const [flags] = await runner.query<{ n: string | number }>(
    `SELECT count() AS n FROM ${tables.lateVisits} WHERE flagged_at <= fromUnixTimestamp64Milli({snapshot:Int64}, 'UTC')`,
    params,
  );
  if (Number(flags!.n) > 0) {
    await runner.command(
      `DELETE FROM ${tables.lateVisits} WHERE flagged_at <= fromUnixTimestamp64Milli({snapshot:Int64}, 'UTC')`,
      params,
    );
  }
  return { finishedBefore: cut, rebuiltDays, replacedRows };
}
