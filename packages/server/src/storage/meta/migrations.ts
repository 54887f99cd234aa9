import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { MetaEngine } from './database.js';

/** Named so that a duplicate domain can be told apart from any other unique violation (see `errors.ts`). */
export const SITES_DOMAIN_CONSTRAINT = 'sites_domain_unique';

/**
 * The one list of metadata migrations, run unchanged on SQLite and PostgreSQL. Each migration receives the engine only
 * for the few column types SQL does not share (auto-increment keys, timestamps, bytes); everything else is the same
 * schema-builder code. Never edit a released migration: append a new one (names sort in the order they run).
 */
export function metaMigrations(engine: MetaEngine): Record<string, Migration> {
  const timestamp = engine === 'postgres' ? 'timestamptz' : 'text';
  const bytes = engine === 'postgres' ? 'bytea' : 'blob';
  return {
    '0001_sites_and_salts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sites')
          // SQLite: AUTOINCREMENT so ids of deleted sites are never reused (events keep their site_id).
          // PostgreSQL has no AUTOINCREMENT keyword; an identity column never reuses values either.
          .addColumn('id', 'integer', (column) =>
            engine === 'postgres'
              ? column.primaryKey().generatedByDefaultAsIdentity()
              : column.primaryKey().autoIncrement(),
          )
          .addColumn('public_id', 'text', (column) => column.notNull())
          .addColumn('domain', 'text', (column) => column.notNull())
          .addColumn('timezone', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint('sites_public_id_unique', ['public_id'])
          .addUniqueConstraint(SITES_DOMAIN_CONSTRAINT, ['domain'])
          .execute();

        await db.schema
          .createTable('salts')
          .addColumn('day', 'text', (column) => column.primaryKey())
          .addColumn('salt', bytes, (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('salts').execute();
        await db.schema.dropTable('sites').execute();
      },
    },
  };
}

/** Our own bookkeeping tables, so Sightline can share a PostgreSQL database with another Kysely app. */
const MIGRATION_TABLE = 'sightline_migrations';
const MIGRATION_LOCK_TABLE = 'sightline_migrations_lock';

/**
 * Brings the schema to the latest migration. Idempotent; on PostgreSQL several nodes may call it at once (Kysely
 * holds an advisory lock while it migrates). Throws if any migration fails; earlier ones stay applied.
 */
export async function migrateToLatest(db: Kysely<unknown>, engine: MetaEngine): Promise<void> {
  const migrations = metaMigrations(engine);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Metadata migration ${failed ?? '(setup)'} failed on ${engine}: ${cause}`, { cause: error });
  }
}
