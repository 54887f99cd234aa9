import type { EventRow } from '../../domain/event.js';
import type { FinishVisitsOptions, FinishVisitsReport } from './finished-visits.js';

/**
 * Rows already serialised as the insert's JSONCompactEachRow payload (`eventInsertJson` in event-row.ts). The journal keeps
 * events in exactly this form, so a flush moves bytes to the store without decoding and re-encoding every row.
 */
export interface EncodedEventRows {
  readonly kind: 'encoded';
  /** JSONCompactEachRow lines, one per row, joined by '\n'. */
  readonly payload: Buffer;
  readonly count: number;
}

export type EventBatch = readonly EventRow[] | EncodedEventRows;

/** Query parameters bound by name; the SQL declares each one as `{name:Type}` (ClickHouse syntax). */
export type QueryParams = Record<
  string,
  string | number | bigint | boolean | null | readonly string[] | readonly number[] | readonly bigint[]
>;

/**
 * The event store: ClickHouse SQL, embedded through chDB or remote through @clickhouse/client.
 * The same DDL and the same SQL run on both; only transport differs.
 */
export interface EventStore {
  /** Creates the database and tables if missing. Idempotent. */
  migrate(): Promise<void>;
  /**
   * Inserts one batch. `token` makes the insert idempotent: the same token with the same rows stores them once,
   * so a batch retried after a crash (journal replay) is never duplicated.
   */
  insertBatch(rows: EventBatch, token: string): Promise<void>;
  /**
   * Which of these events are stored, by event_id (lowercase). For a batch that was in flight at a crash: its replay
   * may have been dropped by the engine's deduplication although its rows never became visible.
   */
  storedEventIds(rows: readonly Pick<EventRow, 'site_id' | 'ts' | 'event_id'>[]): Promise<Set<string>>;
  /** Runs a SELECT with bound parameters and returns its rows (64-bit integers arrive as strings). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement without a result (DDL, ALTER ... DELETE). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /**
   * Deletes every row of one site from every table keyed by `site_id` (the events and any rollup), and resolves once
   * the rows are gone. For deleting a site: its id is never reused, so rows arriving afterwards are orphans that a
   * second call removes. Idempotent.
   */
  deleteSite(siteId: number): Promise<void>;
  /**
   * Writes the final rows of visits that can no longer grow and rebuilds those that late events touched
   * (finished-visits.ts). One run at a time per database; the server's scheduled job holds a lease for it.
   */
  finishVisits(options?: FinishVisitsOptions): Promise<FinishVisitsReport>;
  /** Fully qualified name of the events table, for SQL text (an identifier we own, never user input). */
  readonly eventsTable: string;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export interface StoreHealth {
  ok: boolean;
  engine: string;
  detail?: string;
}
