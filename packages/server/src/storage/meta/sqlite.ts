import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type DialectAdapter, Kysely, SqliteAdapter, SqliteDialect } from 'kysely';
import type { Database } from './database.js';
import { createKyselyMetaStore } from './kysely-meta-store.js';
import type { MetaStore } from './meta-store.js';

/** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The embedded metadata store: one SQLite file (created with its directory if missing). `:memory:` is accepted for
 * throwaway stores. Migrations are not run here; call `migrate()`.
 */
export function openSqliteMetaStore(path: string): MetaStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  try {
    // WAL: readers never block the writer, and a crash mid-write leaves the last commit intact.
    sqlite.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect({ database: sqlite }) });
  return createKyselyMetaStore(db, 'sqlite', () => {
    if (sqlite.open) sqlite.close();
  });
}

/**
 * SQLite's DDL is transactional, but Kysely's adapter says otherwise, so its migrator would apply a migration
 * statement by statement: a crash halfway (or a failing statement) would leave a half-made schema that the next start
 * cannot migrate past. Saying so lets the migrator run every pending migration and its bookkeeping in one transaction.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
