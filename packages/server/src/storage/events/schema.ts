import type { EventRow } from '../../domain/event.js';
import type { QueryParams } from './event-store.js';

/**
 * The event store's schema: one wide MergeTree table (DESIGN.md, "Event model") plus a small versioned migration
 * list, so later work can add columns, rollup tables and materialized views without hand-run SQL. The same DDL runs
 * on chDB and on a ClickHouse server.
 */

/** Database names are identifiers we own (configuration, never user input) and still get checked before use in SQL. */
const DATABASE_NAME = /^[a-z_][a-z0-9_]*$/i;

export class InvalidDatabaseNameError extends Error {
  constructor(name: string) {
    super(`Invalid ClickHouse database name ${JSON.stringify(name.slice(0, 80))}: use letters, digits and _ only`);
    this.name = 'InvalidDatabaseNameError';
  }
}

/** Returns `name` when it is a safe unquoted identifier, throws `InvalidDatabaseNameError` otherwise. */
export function assertDatabaseName(name: string): string {
  if (typeof name !== 'string' || name.length > 64 || !DATABASE_NAME.test(name))
    throw new InvalidDatabaseNameError(String(name));
  return name;
}

/**
 * Column order of the events table. Every key of EventRow appears exactly once: the `satisfies` check below fails to
 * compile when EventRow gains a field this list (and so the DDL) does not know about.
 */
export const EVENT_COLUMNS = [
  'site_id',
  'ts',
  'event_id',
  'name',
  'visitor_id',
  'session_id',
  'user_id',
  'hostname',
  'pathname',
  'query',
  'hash',
  'title',
  'referrer',
  'referrer_domain',
  'referrer_source',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'click_id_param',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device',
  'screen_w',
  'screen_h',
  'viewport_w',
  'viewport_h',
  'language',
  'timezone',
  'country',
  'engagement_ms',
  'scroll_depth',
  'visibility_changes',
  'interactive',
  'props',
  'revenue_amount',
  'revenue_currency',
  'is_bot',
  'source',
] as const satisfies readonly (keyof EventRow)[];

type MissingColumns = Exclude<keyof EventRow, (typeof EVENT_COLUMNS)[number]>;
// Compile-time completeness check: `never` unless EventRow has a field the table lacks.
const _everyEventRowFieldHasAColumn: MissingColumns extends never ? true : MissingColumns = true;
void _everyEventRowFieldHasAColumn;

/** ClickHouse type of each column. LowCardinality for strings with few distinct values per part. */
const EVENT_COLUMN_TYPES: Record<(typeof EVENT_COLUMNS)[number], string> = {
  site_id: 'UInt32',
  ts: "DateTime64(3, 'UTC')",
  event_id: 'UUID',
  name: 'LowCardinality(String)',
  visitor_id: 'UInt64',
  session_id: 'UInt64',
  user_id: 'String',
  hostname: 'LowCardinality(String)',
  pathname: 'String',
  query: 'String',
  hash: 'String',
  title: 'String',
  referrer: 'String',
  referrer_domain: 'LowCardinality(String)',
  referrer_source: 'LowCardinality(String)',
  channel: 'LowCardinality(String)',
  utm_source: 'LowCardinality(String)',
  utm_medium: 'LowCardinality(String)',
  utm_campaign: 'LowCardinality(String)',
  utm_content: 'String',
  utm_term: 'String',
  click_id_param: 'LowCardinality(String)',
  browser: 'LowCardinality(String)',
  browser_version: 'LowCardinality(String)',
  os: 'LowCardinality(String)',
  os_version: 'LowCardinality(String)',
  device: 'LowCardinality(String)',
  screen_w: 'UInt16',
  screen_h: 'UInt16',
  viewport_w: 'UInt16',
  viewport_h: 'UInt16',
  language: 'LowCardinality(String)',
  timezone: 'LowCardinality(String)',
  country: 'LowCardinality(String)',
  engagement_ms: 'UInt32',
  scroll_depth: 'UInt8',
  visibility_changes: 'UInt16',
  interactive: 'UInt8',
  props: 'Map(String, String)',
  revenue_amount: 'Nullable(Decimal(18, 4))',
  revenue_currency: 'LowCardinality(String)',
  is_bot: 'UInt8',
  source: 'LowCardinality(String)',
};

/** Blocks remembered for insert deduplication: a journal replay retries the last batch or two, 1000 is ample. */
export const DEDUPLICATION_WINDOW = 1000;

export function eventsTableDdl(database: string): string {
  const db = assertDatabaseName(database);
  const columns = EVENT_COLUMNS.map((name) => `  ${name} ${EVENT_COLUMN_TYPES[name]}`).join(',\n');
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.events (`,
    columns,
    ')',
    'ENGINE = MergeTree',
    'PARTITION BY toYYYYMM(ts)',
    'ORDER BY (site_id, toDate(ts), visitor_id, ts)',
    `SETTINGS non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
  ].join('\n');
}

/**
 * One schema change. Statements must be idempotent (IF NOT EXISTS, ADD COLUMN IF NOT EXISTS): a process can die
 * between running them and recording the version, and several nodes may migrate a shared ClickHouse at once.
 * Versions only ever grow; never edit a released migration, append a new one.
 */
export interface Migration {
  version: number;
  name: string;
  statements: (database: string) => string[];
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'events table', statements: (db) => [eventsTableDdl(db)] },
];

/** What migrations need from a store: the EventStore's own `command` and `query`. */
export interface SqlRunner {
  command(sql: string, params?: QueryParams): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
}

/**
 * Creates the database and the migrations ledger, then applies every migration not yet recorded, in version order.
 * Returns the versions applied by this call.
 */
export async function applyMigrations(
  runner: SqlRunner,
  database: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const db = assertDatabaseName(database);
  await runner.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  // ReplacingMergeTree: two nodes recording the same version leave one row after merges; reads use DISTINCT anyway.
  await runner.command(
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const done = await runner.query<{ version: number | string }>(`SELECT DISTINCT version FROM ${db}.schema_migrations`);
  const applied = new Set(done.map((row) => Number(row.version)));
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(db)) await runner.command(statement);
    await runner.command(`INSERT INTO ${db}.schema_migrations (version, name) SELECT {version:UInt32}, {name:String}`, {
      version: migration.version,
      name: migration.name,
    });
    ran.push(migration.version);
  }
  return ran;
}
