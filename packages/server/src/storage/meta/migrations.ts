import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from 'kysely';
import type { MetaEngine } from './database.js';

/** Named so that a duplicate domain can be told apart from any other unique violation (see `errors.ts`). */
export const SITES_DOMAIN_CONSTRAINT = 'sites_domain_unique';

/**
 * A unique constraint the repositories turn into a typed error. PostgreSQL reports the constraint's name; SQLite
 * reports `UNIQUE constraint failed: table.column, table.column`, so both are kept here (see `errors.ts`).
 */
export interface UniqueConstraint {
  name: string;
  table: string;
  columns: readonly string[];
}

export const SITES_DOMAIN_UNIQUE: UniqueConstraint = {
  name: SITES_DOMAIN_CONSTRAINT,
  table: 'sites',
  columns: ['domain'],
};
export const USERS_EMAIL_UNIQUE: UniqueConstraint = { name: 'users_email_unique', table: 'users', columns: ['email'] };
export const GOALS_NAME_UNIQUE: UniqueConstraint = {
  name: 'goals_site_display_name_unique',
  table: 'goals',
  columns: ['site_id', 'display_name'],
};
export const FUNNELS_NAME_UNIQUE: UniqueConstraint = {
  name: 'funnels_site_name_unique',
  table: 'funnels',
  columns: ['site_id', 'name'],
};

/**
 * The one list of metadata migrations, run unchanged on SQLite and PostgreSQL. Each migration receives the engine only
 * for the few column types SQL does not share (auto-increment keys, timestamps, bytes); everything else is the same
 * schema-builder code. Never edit a released migration: append a new one (names sort in the order they run).
 */
export function metaMigrations(engine: MetaEngine): Record<string, Migration> {
  const timestamp = engine === 'postgres' ? 'timestamptz' : 'text';
  const bytes = engine === 'postgres' ? 'bytea' : 'blob';
  const flag = engine === 'postgres' ? 'boolean' : 'integer';
  const flagFalse = engine === 'postgres' ? sql`false` : sql`0`;
  // SQLite INTEGER is 64-bit already; PostgreSQL needs bigint for counters that may pass 2^31.
  const bigint = engine === 'postgres' ? 'bigint' : 'integer';
  /** Auto-increment key that never reuses the id of a deleted row (see 0001 for why each engine spells it so). */
  const serialKey = () => (column: ColumnDefinitionBuilder) =>
    engine === 'postgres' ? column.primaryKey().generatedByDefaultAsIdentity() : column.primaryKey().autoIncrement();
  const cascadeTo =
    (table: 'sites' | 'users') =>
    (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
      column.notNull().references(`${table}.id`).onDelete('cascade');
  /** CHECK that a text column holds one of a fixed list (our own constants, never request data). */
  const oneOf = (column: string, values: readonly string[]) =>
    sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
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

    '0002_accounts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('sites')
          .addColumn('name', 'text', (column) => column.notNull().defaultTo(''))
          .execute();
        await db.schema
          .alterTable('sites')
          .addColumn('is_public', flag, (column) => column.notNull().defaultTo(flagFalse))
          .execute();
        // Sites from before names existed are shown under their domain, as new unnamed sites are.
        await sql`update sites set name = domain where name = ''`.execute(db);

        await db.schema
          .createTable('users')
          .addColumn('id', 'integer', serialKey())
          .addColumn('email', 'text', (column) => column.notNull())
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('is_instance_owner', flag, (column) => column.notNull().defaultTo(flagFalse))
          .addColumn('email_verified_at', timestamp)
          .addColumn('password_hash', 'text')
          .addColumn('mfa_secret_sealed', 'text')
          .addColumn('mfa_enabled_at', timestamp)
          .addColumn('mfa_last_step', bigint)
          .addColumn('failed_logins', 'integer', (column) => column.notNull().defaultTo(0))
          .addColumn('locked_until', timestamp)
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addColumn('updated_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint(USERS_EMAIL_UNIQUE.name, ['email'])
          .execute();

        await db.schema
          .createTable('login_sessions')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('user_id', 'integer', cascadeTo('users'))
          .addColumn('user_agent', 'text', (column) => column.notNull())
          .addColumn('country', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addColumn('last_seen_at', timestamp, (column) => column.notNull())
          .addColumn('expires_at', timestamp, (column) => column.notNull())
          .execute();
        await index(db, 'login_sessions', ['user_id']);
        await index(db, 'login_sessions', ['expires_at']);
        await index(db, 'login_sessions', ['last_seen_at']);

        await db.schema
          .createTable('user_tokens')
          .addColumn('hash', 'text', (column) => column.primaryKey())
          .addColumn('user_id', 'integer', cascadeTo('users'))
          .addColumn('purpose', 'text', (column) => column.notNull())
          .addColumn('new_email', 'text')
          .addColumn('expires_at', timestamp, (column) => column.notNull())
          .addColumn('used_at', timestamp)
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addCheckConstraint(
            'user_tokens_purpose_check',
            oneOf('purpose', ['verify_email', 'reset_password', 'change_email']),
          )
          .execute();
        await index(db, 'user_tokens', ['user_id', 'purpose']);
        await index(db, 'user_tokens', ['expires_at']);

        await db.schema
          .createTable('backup_codes')
          .addColumn('user_id', 'integer', cascadeTo('users'))
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('used_at', timestamp)
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addPrimaryKeyConstraint('backup_codes_pk', ['user_id', 'hash'])
          .execute();

        await db.schema
          .createTable('oidc_identities')
          .addColumn('issuer', 'text', (column) => column.notNull())
          .addColumn('subject', 'text', (column) => column.notNull())
          .addColumn('user_id', 'integer', cascadeTo('users'))
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addPrimaryKeyConstraint('oidc_identities_pk', ['issuer', 'subject'])
          .execute();
        await index(db, 'oidc_identities', ['user_id']);

        await db.schema
          .createTable('audit_log')
          .addColumn('id', engine === 'postgres' ? 'bigint' : 'integer', serialKey())
          // An account's own security log goes with the account; a deleted site only loses the link.
          .addColumn('user_id', 'integer', (column) => column.references('users.id').onDelete('cascade'))
          .addColumn('site_id', 'integer', (column) => column.references('sites.id').onDelete('set null'))
          .addColumn('action', 'text', (column) => column.notNull())
          .addColumn('ip', 'text', (column) => column.notNull())
          .addColumn('country', 'text', (column) => column.notNull())
          .addColumn('user_agent', 'text', (column) => column.notNull())
          .addColumn('details', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .execute();
        await index(db, 'audit_log', ['user_id', 'created_at']);
        await index(db, 'audit_log', ['site_id']);
        await index(db, 'audit_log', ['created_at']);

        await db.schema
          .createTable('site_members')
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('user_id', 'integer', cascadeTo('users'))
          .addColumn('role', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addPrimaryKeyConstraint('site_members_pk', ['site_id', 'user_id'])
          .addCheckConstraint('site_members_role_check', oneOf('role', ROLES))
          .execute();
        // The primary key serves lookups by site; this one serves "my sites".
        await index(db, 'site_members', ['user_id']);

        await db.schema
          .createTable('invitations')
          .addColumn('id', 'integer', serialKey())
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('email', 'text', (column) => column.notNull())
          .addColumn('role', 'text', (column) => column.notNull())
          .addColumn('token_hash', 'text', (column) => column.notNull())
          // An invitation is made on its inviter's authority: it goes when the inviter's account does.
          .addColumn('invited_by', 'integer', cascadeTo('users'))
          .addColumn('expires_at', timestamp, (column) => column.notNull())
          .addColumn('accepted_at', timestamp)
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint('invitations_token_hash_unique', ['token_hash'])
          .addCheckConstraint('invitations_role_check', oneOf('role', ROLES))
          .execute();
        await index(db, 'invitations', ['site_id', 'expires_at']);
        await index(db, 'invitations', ['invited_by']);

        await db.schema
          .createTable('share_links')
          .addColumn('id', 'integer', serialKey())
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('slug', 'text', (column) => column.notNull())
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('password_hash', 'text')
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint('share_links_slug_unique', ['slug'])
          .execute();
        await index(db, 'share_links', ['site_id']);

        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'integer', serialKey())
          .addColumn('user_id', 'integer', cascadeTo('users'))
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('lookup_id', 'text', (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('scopes', 'text', (column) => column.notNull())
          .addColumn('expires_at', timestamp)
          .addColumn('last_used_at', timestamp)
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint('api_keys_hash_unique', ['hash'])
          .execute();
        await index(db, 'api_keys', ['user_id']);

        await db.schema
          .createTable('ingest_keys')
          .addColumn('id', 'integer', serialKey())
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('lookup_id', 'text', (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('expires_at', timestamp)
          .addColumn('last_used_at', timestamp)
          .addColumn('usage_count', bigint, (column) => column.notNull().defaultTo(0))
          .addColumn('rate_limit_per_minute', 'integer', (column) => column.notNull())
          .addColumn('revoked_at', timestamp)
          // No foreign key: an app's key keeps working after the admin who made it leaves.
          .addColumn('created_by', 'integer', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint('ingest_keys_hash_unique', ['hash'])
          .execute();
        await index(db, 'ingest_keys', ['site_id']);

        await db.schema
          .createTable('shields')
          .addColumn('id', 'integer', serialKey())
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('value', 'text', (column) => column.notNull())
          .addColumn('description', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addCheckConstraint('shields_kind_check', oneOf('kind', ['ip', 'country', 'path', 'hostname']))
          .execute();
        await index(db, 'shields', ['site_id']);

        await db.schema
          .createTable('goals')
          .addColumn('id', 'integer', serialKey())
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('path_pattern', 'text')
          .addColumn('event_name', 'text')
          .addColumn('display_name', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          // Also the index for listing a site's goals.
          .addUniqueConstraint(GOALS_NAME_UNIQUE.name, ['site_id', 'display_name'])
          .addCheckConstraint('goals_kind_check', oneOf('kind', ['pageview', 'event']))
          .execute();

        await db.schema
          .createTable('funnels')
          .addColumn('id', 'integer', serialKey())
          .addColumn('site_id', 'integer', cascadeTo('sites'))
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('steps', 'text', (column) => column.notNull())
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint(FUNNELS_NAME_UNIQUE.name, ['site_id', 'name'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of [
          'funnels',
          'goals',
          'shields',
          'ingest_keys',
          'api_keys',
          'share_links',
          'invitations',
          'site_members',
          'audit_log',
          'oidc_identities',
          'backup_codes',
          'user_tokens',
          'login_sessions',
          'users',
        ]) {
          await db.schema.dropTable(table).execute();
        }
        await db.schema.alterTable('sites').dropColumn('is_public').execute();
        await db.schema.alterTable('sites').dropColumn('name').execute();
      },
    },
  };
}

const ROLES = ['viewer', 'admin', 'owner'] as const;

/** A plain index named after its table and columns (`login_sessions_user_id_idx`). */
async function index(db: Kysely<unknown>, table: string, columns: string[]): Promise<void> {
  await db.schema
    .createIndex(`${table}_${columns.join('_')}_idx`)
    .on(table)
    .columns(columns)
    .execute();
}

/** Our own bookkeeping tables, so Sightline can share a PostgreSQL database with another Kysely app. */
const MIGRATION_TABLE = 'sightline_migrations';
const MIGRATION_LOCK_TABLE = 'sightline_migrations_lock';

/**
 * Brings the schema to the latest migration. Idempotent; on PostgreSQL several nodes may call it at once (Kysely
 * holds an advisory lock while it migrates). Throws if any migration fails; earlier ones stay applied.
 */
export async function migrateToLatest(db: Kysely<unknown>, engine: MetaEngine): Promise<void> {
  await runMigrations(db, engine, (migrator) => migrator.migrateToLatest());
}

/**
 * Brings the schema up (or down) to the named migration. For tests of upgrades from an older schema and for
 * operators' tooling; the server itself only ever calls `migrateToLatest`.
 */
export async function migrateTo(db: Kysely<unknown>, engine: MetaEngine, migrationName: string): Promise<void> {
  if (!(migrationName in metaMigrations(engine)))
    throw new RangeError(`No metadata migration is named ${migrationName}`);
  await runMigrations(db, engine, (migrator) => migrator.migrateTo(migrationName));
}

async function runMigrations(
  db: Kysely<unknown>,
  engine: MetaEngine,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<void> {
  const migrations = metaMigrations(engine);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await run(migrator);
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Metadata migration ${failed ?? '(setup)'} failed on ${engine}: ${cause}`, { cause: error });
  }
}
