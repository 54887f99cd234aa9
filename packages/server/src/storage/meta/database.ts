import type { ColumnType, Generated } from 'kysely';

/** Which SQL engine a metadata store runs on. Migrations and error mapping differ only where the engines do. */
export type MetaEngine = 'sqlite' | 'postgres';

/**
 * Timestamps are `timestamptz` on PostgreSQL (read back as Date) and ISO-8601 UTC text on SQLite (no date type);
 * both are written as ISO strings, which each engine stores in its own form.
 */
type Timestamp = ColumnType<Date | string, string, never>;

export interface SitesTable {
  id: Generated<number>;
  public_id: string;
  domain: string;
  timezone: string;
  created_at: Timestamp;
}

export interface SaltsTable {
  /** UTC day, `YYYY-MM-DD`; text so that `<` compares days on both engines. */
  day: string;
  /** 32 random bytes: BLOB on SQLite, bytea on PostgreSQL, a Buffer from both drivers. */
  salt: Buffer;
  created_at: Timestamp;
}

/** The metadata schema as Kysely sees it. Changes go through a new migration in `migrations.ts`. */
export interface Database {
  sites: SitesTable;
  salts: SaltsTable;
}
