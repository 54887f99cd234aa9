import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { createKyselyMetaStore } from './kysely-meta-store.js';
import type { MetaStore } from './meta-store.js';

export interface PostgresMetaStoreOptions {
  /** Largest number of open connections from this process. */
  maxConnections?: number;
  /**
   * Told about errors of idle pooled connections (the server restarted, a network blip). The pool replaces such a
   * connection by itself; without a listener, pg would crash the process on them.
   */
  onIdleConnectionError?: (error: Error) => void;
}

const DEFAULT_MAX_CONNECTIONS = 10;
/** Fail a query that cannot get a connection instead of queueing it forever when the server is unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;

/**
 * The production metadata store: PostgreSQL through a pg connection pool. Opening connects lazily, so this never
 * fails on an unreachable server; `health()` and `migrate()` report that. Migrations are not run here.
 */
export function openPostgresMetaStore(connectionString: string, options: PostgresMetaStoreOptions = {}): MetaStore {
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    application_name: 'sightline',
  });
  pool.on('error', (error) => options.onIdleConnectionError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createKyselyMetaStore(db, 'postgres', async () => {
    if (!pool.ended) await pool.end();
  });
}
