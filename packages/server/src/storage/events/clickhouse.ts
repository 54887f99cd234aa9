import { type ClickHouseClient, ClickHouseLogLevel, type ClickHouseSettings, createClient } from '@clickhouse/client';
import { batchSize, eventInsertRecord, insertRecordFromJson, isEncoded } from './event-row.js';
import type { EventBatch, EventStore, QueryParams, StoreHealth } from './event-store.js';
import { finishVisits } from './finished-visits.js';
import { applyMigrations, assertDatabaseName, EVENT_COLUMNS } from './schema.js';
import { deleteSiteRows } from './site-deletion.js';
import { findStoredEventIds } from './stored-event-ids.js';

/**
 * The event store on a ClickHouse server, over HTTP with @clickhouse/client. Same DDL and SQL as the embedded chDB
 * store; only transport differs. Values travel as `query_params` (the server binds `{name:Type}`), never in SQL text.
 */

export interface ClickhouseEventStoreOptions {
  /** `http(s)://user:pass@host:8123`; credentials stay inside the client and never reach logs or errors we build. */
  url: string;
  /** Database holding the tables (an identifier we own, checked). */
  database: string;
  /** Per-request timeout; inserts of large batches need headroom. */
  requestTimeoutMs?: number;
  /** health() gives up after this long. */
  healthTimeoutMs?: number;
  /** For tests: a pre-built client (e.g. pointed at a fake server). */
  client?: ClickHouseClient;
}

/** Output settings every request carries: 64-bit integers and decimals as JSON strings keep their precision. */
const OUTPUT_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_decimals: 1,
};

export function createClickhouseEventStore(options: ClickhouseEventStoreOptions): EventStore {
  const database = assertDatabaseName(options.database);
  const eventsTable = `${database}.events`;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2000;
  const client =
    options.client ??
    createClient({
      url: options.url,
      request_timeout: options.requestTimeoutMs ?? 60_000,
      clickhouse_settings: OUTPUT_SETTINGS,
      // The database is always named in SQL text (`db.events`): the connection must work before migrate creates it.
      database: 'default',
      // Failures reach the caller as errors and are logged there, through the redacting logger, not to stderr.
      log: { level: ClickHouseLogLevel.OFF },
    });
  let closed = false;

  function assertOpen() {
    if (closed) throw new Error('The event store is closed');
  }

  const store: EventStore = {
    eventsTable,

    async migrate() {
      await applyMigrations(store, database);
    },

    async insertBatch(rows: EventBatch, token: string) {
      assertOpen();
      if (batchSize(rows) === 0) return;
      await client.insert({
        table: eventsTable,
        // The client wants objects for JSONEachRow: journal lines are parsed here (ts stays the formatted string).
        values: isEncoded(rows)
          ? rows.payload.toString('utf8').split('\n').map(insertRecordFromJson)
          : rows.map(eventInsertRecord),
        format: 'JSONEachRow',
        columns: [...EVENT_COLUMNS] as [string, ...string[]],
        // Synchronous insert (async inserts would acknowledge before the part exists and dedup differently).
        // The rollup views dedup with the same token: a retried batch counts once there too (schema.ts, v2).
        clickhouse_settings: {
          insert_deduplication_token: token,
          insert_deduplicate: 1,
          async_insert: 0,
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
    },

    storedEventIds: (rows) => findStoredEventIds(store, eventsTable, rows),
    finishVisits: (finishOptions) => finishVisits(store, database, finishOptions),

    async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
      assertOpen();
      const result = await client.query({
        query: sql,
        format: 'JSON',
        query_params: bindParams(params),
        clickhouse_settings: OUTPUT_SETTINGS,
      });
      const body = await result.json<T>();
      return body.data ?? [];
    },

    async command(sql: string, params?: QueryParams) {
      assertOpen();
      // wait_end_of_query: an error in the middle of DDL or a mutation surfaces here instead of after a 200.
      await client.command({
        query: sql,
        query_params: bindParams(params),
        clickhouse_settings: { wait_end_of_query: 1 },
      });
    },

    async deleteSite(siteId: number) {
      await deleteSiteRows(store, database, siteId);
    },

    async health(): Promise<StoreHealth> {
      if (closed) return { ok: false, engine: 'clickhouse', detail: 'closed' };
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), healthTimeoutMs);
      try {
        // A SELECT checks credentials too; /ping would answer even with a wrong password.
        const result = await client.ping({ select: true, abort_signal: abort.signal });
        if (result.success) return { ok: true, engine: 'clickhouse' };
        return { ok: false, engine: 'clickhouse', detail: describeError(result.error) };
      } catch (err) {
        return { ok: false, engine: 'clickhouse', detail: describeError(err) };
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
  return store;
}

/** Booleans as 0/1 so `{flag:UInt8}` and `{flag:Bool}` both accept them, as on chDB. */
function bindParams(params: QueryParams | undefined): Record<string, unknown> | undefined {
  if (params === undefined) return undefined;
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params))
    bound[name] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  return bound;
}

/** Error text for health details, with any URL credentials cut out. */
function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const clean = message.replace(/\/\/[^/@\s]*@/g, '//');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}
