import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { batchSize, eventRowsPayload } from './event-row.js';
import type { EventBatch, EventStore, QueryParams, StoreHealth } from './event-store.js';
import { finishVisits } from './finished-visits.js';
import { inlineParams } from './inline-params.js';
import { applyMigrations, assertDatabaseName, EVENT_COLUMNS } from './schema.js';
import { deleteSiteRows } from './site-deletion.js';
import { findStoredEventIds } from './stored-event-ids.js';

/**
 * The embedded event store: ClickHouse as a library (chDB), on a directory this process owns.
 *
 * Sessions: chDB runs one query at a time per Session (CHDB-NOTES gotcha 6), so reads go to a small pool of reader
 * Sessions (the least busy one) and inserts to a dedicated writer Session, which a slow dashboard query can never
 * stall. All calls are the async ones: the sync API blocks the event loop.
 */

export interface ChdbEventStoreOptions {
  /** Data directory for chDB (e.g. DATA_DIR/events). A process can hold only one; tests isolate by `database`. */
  dataDir: string;
  /** ClickHouse database holding the tables (an identifier we own, checked). */
  database: string;
  /**
   * Reader Sessions. Default 4, on 2 cores too: a dashboard query spends about half its time planning, on one thread,
   * so with only 2 Sessions a core often idles while the dashboard's other widgets wait (bench/query: the 30-day
   * set as loaded took 191–216 ms on 2 Sessions and 165–183 ms on 4, five alternating runs each; 6 and 8 were no
   * faster). At 12 months on 100 M events execution dominates and 4 are no faster than 2.
   */
  readers?: number;
  /** health() gives up after this long (a busy engine answers "not ok" rather than hanging a probe). */
  healthTimeoutMs?: number;
}

/**
 * Per-Session output settings: 64-bit integers and decimals as JSON strings, or they would lose precision in
 * JSON.parse (CHDB-NOTES gotcha 3). Given at connect so no query text has to carry them.
 */
const CONNECTION_ARGS = ['--output_format_json_quote_64bit_integers=1', '--output_format_json_quote_decimals=1'];

const DEFAULT_READERS = 4;
const MAX_READERS = 8;

export class EventStoreClosedError extends Error {
  constructor() {
    super('The event store is closed');
    this.name = 'EventStoreClosedError';
  }
}

interface PooledSession {
  session: Session;
  busy: number;
}

export function createChdbEventStore(options: ChdbEventStoreOptions): EventStore {
  const database = assertDatabaseName(options.database);
  const readerCount = Math.min(MAX_READERS, Math.max(1, Math.floor(options.readers ?? DEFAULT_READERS)));
  const healthTimeoutMs = options.healthTimeoutMs ?? 2000;
  const eventsTable = `${database}.events`;

  mkdirSync(options.dataDir, { recursive: true });
  const opened: Session[] = [];
  let writer: PooledSession;
  const readers: PooledSession[] = [];
  try {
    writer = { session: new Session(options.dataDir, { connectionArgs: CONNECTION_ARGS }), busy: 0 };
    opened.push(writer.session);
    for (let i = 0; i < readerCount; i++) {
      const reader = { session: new Session(options.dataDir, { connectionArgs: CONNECTION_ARGS }), busy: 0 };
      opened.push(reader.session);
      readers.push(reader);
    }
  } catch (err) {
    for (const session of opened) session.close();
    throw err;
  }

  let closed = false;
  let nextReader = 0;
  const inFlight = new Set<Promise<unknown>>();

  /** Least busy reader; ties rotate so idle readers share the load. */
  function pickReader(): PooledSession {
    let best: PooledSession | undefined;
    for (let i = 0; i < readers.length; i++) {
      const candidate = readers[(nextReader + i) % readers.length]!;
      if (best === undefined || candidate.busy < best.busy) best = candidate;
    }
    nextReader = (nextReader + 1) % readers.length;
    return best!;
  }

  /** Runs `work` on `pooled`, counting it busy and tracked so close() can wait for it. */
  function run<T>(pooled: PooledSession, work: (session: Session) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new EventStoreClosedError());
    pooled.busy++;
    const promise = (async () => {
      try {
        return await work(pooled.session);
      } finally {
        pooled.busy--;
      }
    })();
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async function execute(session: Session, sql: string, params: QueryParams | undefined, timeout?: number) {
    const opts = timeout === undefined ? { format: 'JSON' } : { format: 'JSON', timeout };
    // queryBindAsync is serialized process-wide (gotcha 7): parameters go into the text as injection-proof literals
    // where they can (inline-params.ts), so queries on different Sessions run side by side; the rest are bound.
    const inlined = params === undefined ? sql : inlineParams(sql, params);
    try {
      return await (inlined !== undefined
        ? session.queryAsync(inlined, opts)
        : session.queryBindAsync(sql, bindParams(params ?? {}), opts));
    } catch (error) {
      // A query that fails mid-stream leaves its partial output in the Session, and chDB puts it in front of the
      // next result on that Session (someone else's query). A throwaway query takes the leftovers; jsonRows below
      // also skips any that slip in before it.
      await session.queryAsync('SELECT 1', { format: 'JSON' }).catch(() => undefined);
      throw error;
    }
  }

  const store: EventStore = {
    eventsTable,

    async migrate() {
      await applyMigrations(store, database);
    },

    async insertBatch(rows: EventBatch, token: string) {
      if (batchSize(rows) === 0) return;
      const values = eventRowsPayload(rows);
      await run(writer, (session) =>
        session.insert({
          table: eventsTable,
          values,
          format: 'JSONCompactEachRow',
          columns: EVENT_COLUMNS,
          // Per insert, never SET on the session: a session-level token would silently drop every later batch.
          // The rollup views dedup with the same token: a retried batch counts once there too (schema.ts, v2).
          settings: {
            insert_deduplication_token: token,
            async_insert: 0,
            deduplicate_blocks_in_dependent_materialized_views: 1,
          },
        }),
      );
    },

    storedEventIds: (rows) => findStoredEventIds(store, eventsTable, rows),
    // On a reader: a catch-up after an import runs for minutes and must not hold event inserts back on the writer.
    finishVisits: (finishOptions) =>
      finishVisits(
        {
          query: (sql, params) => store.query(sql, params),
          command: async (sql, params) => {
            await run(pickReader(), (session) => execute(session, sql, params));
          },
        },
        database,
        finishOptions,
      ),

    async query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
      const result = await run(pickReader(), (session) => execute(session, sql, params));
      return jsonRows<T>(result.text());
    },

    async command(sql: string, params?: QueryParams) {
      // Commands share the writer: DDL then orders naturally with inserts, and readers stay free for dashboards.
      await run(writer, (session) => execute(session, sql, params));
    },

    async deleteSite(siteId: number) {
      // On a reader Session, not the writer: a mutation over a large site takes a while, and inserts must keep
      // flowing meanwhile (the journal would back up into 503s). Parts inserted during it are not touched by it.
      await deleteSiteRows(
        {
          query: (sql, params) => store.query(sql, params),
          command: async (sql, params) => {
            await run(pickReader(), (session) => execute(session, sql, params));
          },
        },
        database,
        siteId,
      );
    },

    async health(): Promise<StoreHealth> {
      if (closed) return { ok: false, engine: 'chdb', detail: 'closed' };
      try {
        const result = await run(pickReader(), (session) =>
          execute(session, 'SELECT 1 AS ok', undefined, healthTimeoutMs),
        );
        const ok = jsonRows<{ ok: number }>(result.text())[0]?.ok === 1;
        return ok
          ? { ok: true, engine: 'chdb' }
          : { ok: false, engine: 'chdb', detail: 'unexpected answer to SELECT 1' };
      } catch (err) {
        return { ok: false, engine: 'chdb', detail: errorMessage(err) };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      // Closing a Session under a running query would abort the engine for the whole process: let them finish.
      await Promise.allSettled([...inFlight]);
      for (const session of opened) session.close();
    },
  };
  return store;
}

/**
 * QueryParams as chDB binds them. Booleans become 0/1 (chDB would send `true`, which UInt8 and Bool parameters
 * refuse); arrays are copied because chDB expects mutable ones.
 */
function bindParams(params: QueryParams): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    bound[name] = typeof value === 'boolean' ? (value ? 1 : 0) : Array.isArray(value) ? [...value] : value;
  }
  return bound;
}

function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** Where a result in chDB's JSON format begins: a newline and a tab never occur raw inside a JSON string. */
const JSON_RESULT_START = '{\n\t"meta":';

/**
 * The rows of one JSON-format result. Only the last result document in the text counts: anything before it is the
 * leftover output of a query that failed earlier on the same Session (see `execute`).
 */
export function jsonRows<T>(text: string): T[] {
  // A statement with no result set (e.g. a SET) answers with an empty body even in JSON format.
  if (text.trim() === '') return [];
  const start = text.lastIndexOf(JSON_RESULT_START);
  return (JSON.parse(start > 0 ? text.slice(start) : text) as { data?: T[] }).data ?? [];
}
