import { type EventRow, SESSION_TIMEOUT_MS } from '../../domain/event.js';
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
  /**
   * Runs after the statements, before the version is recorded: fills a new derived table from existing data. It
   * must be safe to run again after a crash halfway (start by emptying what it fills).
   */
  backfill?: (runner: SqlRunner, database: string) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'events table', statements: (db) => [eventsTableDdl(db)] },
  {
    version: 2,
    name: 'visit rollup (sessions_15m) kept by a materialized view, backfilled from events',
    statements: (db) => [sessionsRollupDdl(db), sessionsRollupViewDdl(db)],
    backfill: backfillSessionsRollup,
  },
  {
    version: 3,
    name: 'finished visits (visits), late-event flags (late_visits) and the finishing watermark (visit_progress)',
    statements: (db) => [
      finishedVisitsDdl(db),
      lateVisitsDdl(db),
      lateVisitsViewDdl(db),
      visitProgressDdl(db),
      visitsRebuildDdl(db),
    ],
    backfill: backfillFinishedVisits,
  },
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
    if (migration.backfill !== undefined) await migration.backfill(runner, db);
    await runner.command(`INSERT INTO ${db}.schema_migrations (version, name) SELECT {version:UInt32}, {name:String}`, {
      version: migration.version,
      name: migration.name,
    });
    ran.push(migration.version);
  }
  return ran;
}

// ---------------------------------------------------------------------------------------------------------------
// Migration 2: the visit rollup. Frozen with the migration: a later change adds a new table and migration.

/** Rollup bucket: 15 minutes, so local midnights and hours of every zone in use today (:30 and :45 offsets) align. */
export const ROLLUP_BUCKET_MS = 15 * 60_000;

/** Name of the visit rollup table in `database` (an identifier we own). */
export function sessionsRollupTable(database: string): string {
  return `${assertDatabaseName(database)}.sessions_15m`;
}

/**
 * Visit attributes the rollup keeps, with the per-event value each is taken from. A visit's attribute is the value on
 * its first counted event in the order of `eventOrderKeySql`: `argMin(value, key)`, whose states merge across
 * buckets and inserts. The stats compiler (stats/compile.ts) computes the same definitions from raw events; the
 * planner's equivalence test holds the two to identical answers.
 */
export const ROLLUP_VISIT_ATTRIBUTES: readonly (readonly [name: string, valueSql: string])[] = [
  ['source', "if(referrer_source = '', 'Direct / None', toString(referrer_source))"],
  ['referrer', "if(referrer = '', 'Direct / None', referrer)"],
  ['channel', "if(channel = '', 'Direct', toString(channel))"],
  ['utm_medium', 'toString(utm_medium)'],
  ['utm_source', 'toString(utm_source)'],
  ['utm_campaign', 'toString(utm_campaign)'],
  ['utm_content', 'utm_content'],
  ['utm_term', 'utm_term'],
  ['device', 'toString(device)'],
  ['browser', 'toString(browser)'],
  ['browser_version', 'toString(browser_version)'],
  ['os', 'toString(os)'],
  ['os_version', 'toString(os_version)'],
  ['country', 'toString(country)'],
  [
    'screen',
    "multiIf(screen_w = 0, '(not set)', screen_w < 576, 'Mobile', screen_w < 992, 'Tablet', screen_w < 1440, 'Laptop', 'Desktop')",
  ],
];

/**
 * The order of a visit's events for "first" and "last": time in ms (high 64 bits), then a hash of the value, so two
 * events in the same millisecond still have one first value however the rows reach the aggregate. A fixed-size key
 * (UInt128) keeps merging the states cheap.
 */
function eventOrderKeySql(value: string): string {
  return `bitOr(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(ts)), 64), toUInt128(cityHash64(${value})))`;
}

/**
 * One row per (site, 15-minute UTC bucket, visit) with the visit's figures inside that bucket; AggregatingMergeTree
 * merges the rows of later inserts into it (a query merges them the same way: min/max/sum and argMin/argMaxMerge).
 * Only counted events feed it: no bots, no `engagement`. A query for whole buckets reads the visit clipped to its
 * range exactly as raw events would give it.
 */
function sessionsRollupDdl(database: string): string {
  const attributes = ROLLUP_VISIT_ATTRIBUTES.map(([name]) => `  a_${name} AggregateFunction(argMin, String, UInt128),`);
  return [
    `CREATE TABLE IF NOT EXISTS ${sessionsRollupTable(database)} (`,
    '  site_id UInt32,',
    "  bucket DateTime('UTC'),",
    '  session_id UInt64,',
    '  visitor_id SimpleAggregateFunction(min, UInt64),',
    "  first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC')),",
    "  last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC')),",
    '  events SimpleAggregateFunction(sum, UInt64),',
    '  pageviews SimpleAggregateFunction(sum, UInt64),',
    '  interactions SimpleAggregateFunction(sum, UInt64),',
    '  entry_page AggregateFunction(argMin, String, UInt128),',
    '  exit_page AggregateFunction(argMax, String, UInt128),',
    ...attributes,
    ')',
    'ENGINE = AggregatingMergeTree',
    'PARTITION BY toYYYYMM(bucket)',
    'ORDER BY (site_id, bucket, session_id)',
    // The journal's retried batch carries the same dedup token: the view's insert is deduplicated with it, so the
    // rollup, like the events table, stores a retried batch once.
    `SETTINGS non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
  ]
    .join('\n')
    .replace(/,\n\)/, '\n)');
}

/** The rollup rows of the events matching `where` (SQL over the events table's columns). */
function sessionsRollupSelect(database: string, where: string): string {
  const attributes = ROLLUP_VISIT_ATTRIBUTES.map(
    ([name, value]) => `argMinState(${value}, ${eventOrderKeySql(value)}) AS a_${name}`,
  );
  const page = eventOrderKeySql('pathname');
  return [
    "SELECT site_id, toStartOfFifteenMinutes(toDateTime(ts, 'UTC')) AS bucket, session_id,",
    '  min(visitor_id) AS visitor_id, min(ts) AS first_ts, max(ts) AS last_ts, count() AS events,',
    "  countIf(name = 'pageview') AS pageviews, countIf(interactive = 1 AND name != 'pageview') AS interactions,",
    `  argMinStateIf(pathname, ${page}, name = 'pageview') AS entry_page,`,
    `  argMaxStateIf(pathname, ${page}, name = 'pageview') AS exit_page,`,
    `  ${attributes.join(',\n  ')}`,
    `FROM ${assertDatabaseName(database)}.events`,
    `WHERE is_bot = 0 AND name != 'engagement'${where === '' ? '' : ` AND ${where}`}`,
    'GROUP BY site_id, bucket, session_id',
  ].join('\n');
}

function sessionsRollupViewDdl(database: string): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${assertDatabaseName(database)}.sessions_15m_mv TO ${sessionsRollupTable(database)} AS\n${sessionsRollupSelect(database, '')}`;
}

/** Events per backfill INSERT: bounds the memory of its GROUP BY (a few hundred bytes per visit). */
const BACKFILL_CHUNK_EVENTS = 2_000_000;
const DAY_MS = 86_400_000;

/**
 * Fills the rollup from the events stored before its view existed, a few UTC days per INSERT (a bucket never spans
 * two days, so chunks by day add up exactly). It empties the rollup first, so a backfill that died halfway is simply
 * redone; the server migrates before it accepts events, so no insert lands between the two.
 */
async function backfillSessionsRollup(runner: SqlRunner, database: string): Promise<void> {
  const db = assertDatabaseName(database);
  await runner.command(`TRUNCATE TABLE ${sessionsRollupTable(db)}`);
  const days = await runner.query<{ day: number | string; n: number | string }>(
    `SELECT toUInt32(toDate(ts)) AS day, count() AS n FROM ${db}.events WHERE is_bot = 0 AND name != 'engagement' GROUP BY day ORDER BY day`,
  );
  const select = sessionsRollupSelect(
    db,
    "ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')",
  );
  let start = 0;
  while (start < days.length) {
    let end = start;
    let events = Number(days[start]!.n);
    while (end + 1 < days.length && events + Number(days[end + 1]!.n) <= BACKFILL_CHUNK_EVENTS) {
      end++;
      events += Number(days[end]!.n);
    }
    // `day` counts days since 1970-01-01 (UTC).
    await runner.command(`INSERT INTO ${sessionsRollupTable(db)}\n${select}`, {
      from: Number(days[start]!.day) * DAY_MS,
      to: (Number(days[end]!.day) + 1) * DAY_MS,
    });
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Migration 3: finished visits. Frozen with the migration, like migration 2.

/** The tables of finished visits, beside the events table of `database` (identifiers we own). */
export interface FinishedVisitTables {
  /** One final row per visit that can no longer grow. */
  visits: string;
  /** Visits that received events late, after they may have been finished. */
  lateVisits: string;
  /** The finishing watermark: every visit whose last rollup bucket is before it has its final row or is flagged. */
  progress: string;
  /** The finishing job's scratch list of visits to rebuild, by the UTC day they start. */
  rebuild: string;
}

export function finishedVisitTables(database: string): FinishedVisitTables {
  const db = assertDatabaseName(database);
  return {
    visits: `${db}.visits`,
    lateVisits: `${db}.late_visits`,
    progress: `${db}.visit_progress`,
    rebuild: `${db}.visits_rebuild`,
  };
}

/**
 * An event stored more than this long after its own time is late: the visit it belongs to may already have its final
 * row. The tracker's events are stored within seconds (journal group commit); history imports, backdated API events
 * and a journal replay after a long outage are late.
 */
export const LATE_EVENT_AFTER_MS = 5 * 60_000;

/**
 * The columns of a visit's final row after (site_id, session_id), in table order, each with how the visit's rollup rows
 * merge into it. The finishing job writes exactly this merge, and a query regrouping a visit from its rollup rows
 * computes the same, so the two paths cannot drift apart.
 */
export const FINISHED_VISIT_MERGE: ReadonlyMap<string, string> = new Map([
  ['visitor_id', 'min(visitor_id)'],
  ['start', 'min(first_ts)'],
  ['end', 'max(last_ts)'],
  ['events', 'sum(events)'],
  ['pageviews', 'sum(pageviews)'],
  ['interactions', 'sum(interactions)'],
  ['entry_page', 'argMinMerge(entry_page)'],
  ['exit_page', 'argMaxMerge(exit_page)'],
  ...ROLLUP_VISIT_ATTRIBUTES.map(([name]): [string, string] => [`a_${name}`, `argMinMerge(a_${name})`]),
]);

/**
 * A visit's final row: the merge of all its rollup rows (the same argMin / argMax states a query would merge), with
 * plain columns, so a query over whole visits reads one narrow row per visit instead of regrouping 15-minute pieces.
 * The minmax index on `end` lets the query find the visits that cross a range's start without reading the table.
 */
function finishedVisitsDdl(database: string): string {
  const attributes = ROLLUP_VISIT_ATTRIBUTES.map(([name]) => `  a_${name} LowCardinality(String),`);
  return [
    `CREATE TABLE IF NOT EXISTS ${finishedVisitTables(database).visits} (`,
    '  site_id UInt32,',
    '  session_id UInt64,',
    '  visitor_id UInt64,',
    "  start DateTime64(3, 'UTC'),",
    "  end DateTime64(3, 'UTC'),",
    '  events UInt64,',
    '  pageviews UInt64,',
    '  interactions UInt64,',
    '  entry_page String,',
    '  exit_page String,',
    ...attributes,
    '  INDEX end_minmax end TYPE minmax GRANULARITY 1',
    ')',
    'ENGINE = MergeTree',
    'PARTITION BY toYYYYMM(start)',
    'ORDER BY (site_id, start)',
  ].join('\n');
}

/** Latest flag per visit after merges; the finishing job removes the flags it has handled. */
function lateVisitsDdl(database: string): string {
  return [
    `CREATE TABLE IF NOT EXISTS ${finishedVisitTables(database).lateVisits} (`,
    '  site_id UInt32,',
    '  session_id UInt64,',
    "  flagged_at DateTime64(3, 'UTC')",
    ')',
    'ENGINE = ReplacingMergeTree(flagged_at)',
    'ORDER BY (site_id, session_id)',
  ].join('\n');
}

/**
 * Flags the visits of counted events that arrive late, judged by the engine's clock at insert, whichever node
 * or path inserts them (tracker, API, import, journal replay).
 */
function lateVisitsViewDdl(database: string): string {
  const db = assertDatabaseName(database);
  return [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.late_visits_mv TO ${finishedVisitTables(db).lateVisits} AS`,
    'SELECT site_id, session_id, now64(3) AS flagged_at',
    `FROM ${db}.events`,
    `WHERE is_bot = 0 AND name != 'engagement' AND ts < now64(3) - toIntervalMillisecond(${LATE_EVENT_AFTER_MS})`,
    'GROUP BY site_id, session_id',
  ].join('\n');
}

/** Append-only; the largest watermark wins (ReplacingMergeTree keeps only it after merges). */
function visitProgressDdl(database: string): string {
  return [
    `CREATE TABLE IF NOT EXISTS ${finishedVisitTables(database).progress} (`,
    "  finished_before DateTime('UTC'),",
    "  recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)",
    ')',
    'ENGINE = ReplacingMergeTree(finished_before)',
    'ORDER BY tuple()',
  ].join('\n');
}

function visitsRebuildDdl(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${finishedVisitTables(database).rebuild} (site_id UInt32, session_id UInt64, start_day UInt32) ENGINE = MergeTree ORDER BY (site_id, start_day)`;
}

/**
 * Existing data gets its final rows from the finishing job: every visit so far is flagged as late, and the
 * watermark starts at the current finishing point, so queries stay exact (they regroup flagged visits) while the job
 * works through the history in the background. Emptying first makes a rerun after a crash start over.
 */
async function backfillFinishedVisits(runner: SqlRunner, database: string): Promise<void> {
  const tables = finishedVisitTables(database);
  await runner.command(`TRUNCATE TABLE ${tables.visits}`);
  await runner.command(`TRUNCATE TABLE ${tables.lateVisits}`);
  await runner.command(
    `INSERT INTO ${tables.lateVisits} (site_id, session_id, flagged_at) SELECT DISTINCT site_id, session_id, now64(3) FROM ${sessionsRollupTable(database)}`,
  );
  await runner.command(
    `INSERT INTO ${tables.progress} (finished_before) SELECT toStartOfFifteenMinutes(now() - toIntervalMillisecond({lag:UInt32}))`,
    { lag: LATE_EVENT_AFTER_MS + SESSION_TIMEOUT_MS },
  );
}
