import type { EventStore } from '../storage/events/event-store.js';
import type { FinishedVisitTables } from '../storage/events/schema.js';

/**
 * What a rollup query needs to know about the finished visits before it runs, read once and written into the query as
 * literals. Why: every table a ClickHouse query names costs 1–3 ms of analysis and planning, whatever it reads, and
 * the subqueries that found the visits to regroup named seven tables per query (a CTE is inlined at each of its uses).
 * At 30 days and 10 M events that was half of each visit breakdown's time. The dashboard's widgets ask about the same
 * site and range together, so one read serves them all (createVisitSnapshots).
 *
 * Why a snapshot a few seconds old still gives the exact answer (compile-rollup.ts visitsCte):
 * - the watermark only rises, and a lower one is always safe: every visit with a piece at or after it is regrouped
 *   from its rollup pieces, which give the same figures as its final row;
 * - the query still reads two sets itself, because they change with every insert: the visits with pieces at or after
 *   the watermark (a visit that opens, grows or is finished after the snapshot is regrouped, never counted twice nor
 *   missed) and the visits flagged late (a back-dated event is counted as soon as it is stored);
 * - a final row crossing an end of the range keeps crossing it: events are only ever added, so a rebuild only widens
 *   a visit, and a final row written after the snapshot belongs to a visit in one of the two live sets.
 */
export interface VisitSnapshot {
  /** The finishing job's watermark (epoch seconds); 0 when it has not run. */
  finishedBeforeSec: number;
  /** Visits whose final row crosses the start or the end of the range, or undefined when too many to list. */
  crossing: bigint[] | undefined;
}

/**
 * A longer list is read by the query as a subquery instead: a list is text the engine parses per query.
 */
export const MAX_LISTED_VISITS = 5_000;

/** How long one snapshot serves further queries: the widgets of one dashboard load arrive within this. */
const SNAPSHOT_TTL_MS = 3_000;
/** Snapshots kept at most; expired ones are dropped first. */
const MAX_SNAPSHOTS = 1_000;

export interface SnapshotRequest {
  store: Pick<EventStore, 'query'>;
  tables: Pick<FinishedVisitTables, 'visits' | 'progress'>;
  siteId: number;
  /** The range in epoch seconds (whole seconds: rollup ranges lie on 15-minute boundaries). */
  fromSec: number;
  toSec: number;
}

export interface VisitSnapshots {
  read(request: SnapshotRequest): Promise<VisitSnapshot>;
}

/**
 * The final rows crossing the start or the end of a range: two reads on a key range each (an OR of the two would read
 * the whole site). The arguments are SQL expressions of bound parameters.
 */
export function crossingVisitsSql(visitsTable: string, site: string, from: string, to: string): string {
  return (
    `SELECT session_id FROM ${visitsTable} WHERE site_id = ${site} AND start < ${from} AND end >= ${from} ` +
    `UNION ALL SELECT session_id FROM ${visitsTable} WHERE site_id = ${site} AND start < ${to} AND end >= ${to}`
  );
}

/** Reads a snapshot from the store: one query, two small reads. */
export async function readVisitSnapshot(request: SnapshotRequest): Promise<VisitSnapshot> {
  const { store, tables } = request;
  const crossing = crossingVisitsSql(
    tables.visits,
    '{site:UInt32}',
    "toDateTime({from:UInt32}, 'UTC')",
    "toDateTime({to:UInt32}, 'UTC')",
  );
  const [row] = await store.query<{ finished_before: number | string; crossing: string[] }>(
    `SELECT (SELECT toUInt32(max(finished_before)) FROM ${tables.progress}) AS finished_before,
      (SELECT groupArray({limit:UInt32})(session_id) FROM (${crossing})) AS crossing`,
    { site: request.siteId, from: request.fromSec, to: request.toSec, limit: MAX_LISTED_VISITS + 1 },
  );
  const ids = row?.crossing;
  return {
    finishedBeforeSec: Number(row?.finished_before ?? 0),
    crossing: ids === undefined || ids.length > MAX_LISTED_VISITS ? undefined : ids.map((id) => BigInt(id)),
  };
}

/**
 * Snapshots shared for a few seconds by every query about the same site and range, including those in flight
 * together. One per server (made where the stats routes are registered).
 */
export function createVisitSnapshots(options: { now?: () => number; ttlMs?: number } = {}): VisitSnapshots {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? SNAPSHOT_TTL_MS;
  const kept = new Map<string, { at: number; snapshot: Promise<VisitSnapshot> }>();
  return {
    read(request) {
      const key = `${request.tables.visits}|${request.siteId}|${request.fromSec}|${request.toSec}`;
      const at = now();
      const entry = kept.get(key);
      if (entry !== undefined && at - entry.at < ttlMs) return entry.snapshot;
      if (kept.size >= MAX_SNAPSHOTS) {
        for (const [k, e] of kept) if (at - e.at >= ttlMs) kept.delete(k);
        if (kept.size >= MAX_SNAPSHOTS) kept.clear();
      }
      const snapshot = readVisitSnapshot(request);
      kept.set(key, { at, snapshot });
      // A failed read is not kept: the next query tries again.
      snapshot.catch(() => {
        if (kept.get(key)?.snapshot === snapshot) kept.delete(key);
      });
      return snapshot;
    },
  };
}
