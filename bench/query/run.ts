/**
 * Query benchmark (issue 4): loads generated events into an embedded chDB store (its visit rollup filled by the
 * materialized view as the events go in), then runs the dashboard's query set through the real stats engine
 * (parse → plan → compile → run, `runStatsQuery`) over the last 30 days and the last 12 months of the largest site,
 * once with the planner free to use the rollup and once on raw events only, side by side. The whole set is timed
 * twice: one query at a time, and all at once as the dashboard's widgets send them. Prints figures; asserts nothing.
 *
 *   npm run bench:query -- [--events 10000000] [--chunk 5000000] [--runs 5] [--seed 1] [--timezone Europe/Berlin]
 *                          [--max-memory 3000000000] [--data-dir DIR] [--keep-data] [--reuse] [--paths both]
 *                          [--ranges 30d,12mo]
 *
 * Targets on the reference 2-core machine: the whole dashboard over 30 days at 10 M events <= 150 ms; any single
 * query at 100 M events <= 1 s.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDateRange } from '../../packages/server/src/stats/date-range.js';
import { addCalendarDays, localDateOf } from '../../packages/server/src/stats/ground-truth/local-time.js';
import { planStatsQuery } from '../../packages/server/src/stats/planner.js';
import { parseStatsQuery } from '../../packages/server/src/stats/query.js';
import { runStatsQuery, type StatsDeps } from '../../packages/server/src/stats/run.js';
import { createVisitSnapshots } from '../../packages/server/src/stats/visit-snapshot.js';
import { createChdbEventStore } from '../../packages/server/src/storage/events/chdb.js';
import type { EventStore } from '../../packages/server/src/storage/events/event-store.js';
import { BENCH_END_MS, LARGEST_SITE_ID, loadGeneratedEvents } from './load-events.js';
import { BENCH_GOALS, DASHBOARD_QUERIES, type NamedQuery } from './queries.js';
import { measureRuns, median } from './timing.js';

const TARGET_DASHBOARD_30D_AT_10M_MS = 150;
const TARGET_SINGLE_QUERY_AT_100M_MS = 1000;
const MAX_EVENTS = 1_000_000_000;
/** Written into the data directory after a load, so `--reuse` knows what the directory holds. */
const LOAD_MARKER = 'bench-load.json';

type Path = 'planned' | 'raw';

interface BenchOptions {
  events: number;
  chunk: number;
  runs: number;
  seed: number;
  timezone: string;
  maxMemory: number;
  dataDir: string | undefined;
  keepData: boolean;
  reuse: boolean;
  paths: Path[];
  ranges: (typeof RANGES)[number][];
}

/** The dashboard's periods: the last 30 days and the last 12 months. */
const RANGES = [
  { label: '30 days', key: '30d', days: 30 },
  { label: '12 months', key: '12mo', days: 365 },
] as const;

function positiveInt(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`--${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

const USAGE =
  'npm run bench:query -- [--events 10000000] [--chunk 5000000] [--runs 5] [--seed 1] [--timezone Europe/Berlin]\n' +
  '                       [--max-memory BYTES] [--data-dir DIR] [--keep-data] [--reuse] [--paths both|planned|raw]\n' +
  '                       [--ranges 30d,12mo]\n' +
  '  --reuse   with --data-dir: skip loading when the directory already holds this --events/--seed load\n' +
  '  --paths   run the planner (rollups allowed), raw events only, or both side by side (default)\n' +
  '  --ranges  which periods to run (raw events over 12 months at 100 M take long)';

function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      chunk: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      timezone: { type: 'string', default: 'Europe/Berlin' },
      'max-memory': { type: 'string' },
      'data-dir': { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      reuse: { type: 'boolean', default: false },
      paths: { type: 'string', default: 'both' },
      ranges: { type: 'string', default: '30d,12mo' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const paths: Record<string, Path[]> = { both: ['raw', 'planned'], planned: ['planned'], raw: ['raw'] };
  const chosen = paths[values.paths];
  if (chosen === undefined) throw new RangeError(`--paths must be both, planned or raw, got ${values.paths}`);
  if (values.reuse && values['data-dir'] === undefined) throw new RangeError('--reuse needs --data-dir');
  const keys = values.ranges.split(',');
  const ranges = RANGES.filter((range) => keys.includes(range.key));
  if (ranges.length !== keys.length) throw new RangeError(`--ranges takes 30d, 12mo or both, got ${values.ranges}`);
  return {
    events: positiveInt('events', values.events, 10_000_000, MAX_EVENTS),
    chunk: positiveInt('chunk', values.chunk, 5_000_000, 50_000_000),
    runs: positiveInt('runs', values.runs, 5, 1000),
    seed: positiveInt('seed', values.seed, 1, 0xffff_ffff),
    timezone: values.timezone,
    maxMemory: positiveInt('max-memory', values['max-memory'], 3_000_000_000, 64_000_000_000),
    dataDir: values['data-dir'],
    keepData: values['keep-data'],
    reuse: values.reuse,
    paths: chosen,
    ranges,
  };
}

/** The last `days` full local days before the generated data ends, as a date_range. */
function lastDays(days: number, timezone: string): [string, string] {
  const lastDay = localDateOf(BENCH_END_MS - 86_400_000, timezone);
  return [addCalendarDays(lastDay, 1 - days), lastDay];
}

const ms = (value: number) => `${value.toFixed(1).padStart(8)}`;
const millions = (count: number) => `${(count / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} M`;

/** Whether the directory already holds exactly this load (written by a previous run with --keep-data/--data-dir). */
function holdsLoad(dataDir: string, options: BenchOptions): boolean {
  const marker = join(dataDir, LOAD_MARKER);
  if (!existsSync(marker)) return false;
  const recorded = JSON.parse(readFileSync(marker, 'utf8')) as { events?: number; seed?: number };
  return recorded.events === options.events && recorded.seed === options.seed;
}

async function load(store: EventStore, dataDir: string, options: BenchOptions): Promise<void> {
  if (options.reuse && holdsLoad(dataDir, options)) {
    console.log(`Reusing the ${millions(options.events)} events already loaded in ${dataDir}`);
    return;
  }
  rmSync(join(dataDir, LOAD_MARKER), { force: true });
  const database = store.eventsTable.split('.')[0] ?? '';
  for (const table of ['events', 'sessions_15m', 'visits', 'late_visits'])
    await store.command(`TRUNCATE TABLE IF EXISTS ${database}.${table}`);
  console.log(
    `Loading ${millions(options.events)} generated events into ${dataDir} (chunks of ${millions(options.chunk)}; the visit rollup fills as they go in)`,
  );
  const loadMs = await loadGeneratedEvents(
    store,
    { total: options.events, chunkSize: options.chunk, seed: options.seed, maxMemoryBytes: options.maxMemory },
    (progress) =>
      console.log(
        `  ${millions(progress.loaded)} / ${millions(progress.total)}  ${(progress.elapsedMs / 1000).toFixed(1)} s`,
      ),
  );
  writeFileSync(join(dataDir, LOAD_MARKER), JSON.stringify({ events: options.events, seed: options.seed }));
  console.log(
    `Loaded in ${(loadMs / 1000).toFixed(1)} s (${Math.round(options.events / (loadMs / 1000)).toLocaleString('en-US')} events/s)`,
  );
}

async function describeTables(store: EventStore): Promise<void> {
  const database = store.eventsTable.split('.')[0] ?? '';
  const tables = await store.query<{ table: string; rows: string; parts: string; bytes: string }>(
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts
     WHERE database = {db:String} AND table IN ('events', 'sessions_15m', 'visits') AND active GROUP BY table ORDER BY table`,
    { db: database },
  );
  for (const table of tables) {
    console.log(
      `  ${table.table.padEnd(13)} ${Number(table.rows).toLocaleString('en-US').padStart(13)} rows in ${table.parts} parts, ${(Number(table.bytes) / 2 ** 20).toFixed(0)} MiB on disk`,
    );
  }
  const [site] = await store.query<{ events: string }>(
    `SELECT count() AS events FROM ${store.eventsTable} WHERE site_id = {site:UInt32}`,
    { site: LARGEST_SITE_ID },
  );
  console.log(`  site ${LARGEST_SITE_ID} holds ${millions(Number(site?.events ?? 0))} events`);
}

interface SetResult {
  label: string;
  path: Path;
  /** The set as the dashboard loads it: every widget's query at once. */
  wholeSetMs: number;
  sequentialMs: number;
  slowestMs: number;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sightline-bench-query-'));
  // As many reader Sessions as the server runs by default.
  const store = createChdbEventStore({ dataDir, database: 'bench_query' });
  try {
    const migrateStarted = performance.now();
    await store.migrate();
    const migrateMs = performance.now() - migrateStarted;
    if (migrateMs > 1000) console.log(`Migrated (incl. rollup backfill) in ${(migrateMs / 1000).toFixed(1)} s`);
    await load(store, dataDir, options);
    // The import is history: every visit in it is late. The server's finishing job writes their final rows within
    // minutes; the bench runs it at once (every insert has finished, so no settling time).
    const finishStarted = performance.now();
    const finished = await store.finishVisits({ settleMs: 0 });
    if (finished.rebuiltDays > 0)
      console.log(
        `Finished the visits of ${finished.rebuiltDays} days in ${((performance.now() - finishStarted) / 1000).toFixed(1)} s`,
      );
    await describeTables(store);

    const site = { id: LARGEST_SITE_ID, timezone: options.timezone };
    const now = BENCH_END_MS + 86_400_000;
    // As the server's stats routes do: the queries of one dashboard load share their snapshot of finished visits.
    const visitSnapshots = createVisitSnapshots();
    const deps = (path: Path): StatsDeps => ({
      store,
      site,
      goals: BENCH_GOALS,
      now,
      useRollups: path === 'planned',
      visitSnapshots,
    });
    const run = (query: NamedQuery, dateRange: [string, string], path: Path) =>
      runStatsQuery(deps(path), parseStatsQuery(query.body(dateRange)));

    const results: SetResult[] = [];
    for (const { label, days } of options.ranges) {
      const dateRange = lastDays(days, options.timezone);
      console.log(
        `\nDashboard, ${label} (${dateRange[0]} – ${dateRange[1]}, ${options.timezone}), median of ${options.runs} runs after 1 warm-up;` +
          ' wall ms (CPU ms of the whole process in brackets: steadier on a shared machine):',
      );
      console.log(`  ${'query'.padEnd(24)} ${options.paths.map((path) => `${path.padStart(19)}`).join(' ')}   plan`);
      const sums = new Map<Path, number>(options.paths.map((path) => [path, 0]));
      const slowest = new Map<Path, number>(options.paths.map((path) => [path, 0]));
      for (const query of DASHBOARD_QUERIES) {
        const cells: string[] = [];
        for (const path of options.paths) {
          const measured = await measureRuns(options.runs, () => run(query, dateRange, path));
          const wall = median(measured.wallMs);
          sums.set(path, (sums.get(path) ?? 0) + wall);
          slowest.set(path, Math.max(slowest.get(path) ?? 0, wall));
          cells.push(`${ms(wall)} (${ms(median(measured.cpuMs)).trim()})`.padStart(19));
        }
        const parsed = parseStatsQuery(query.body(dateRange));
        const range = resolveDateRange(parsed.dateRange, { timezone: options.timezone, now });
        const plan = planStatsQuery({
          query: parsed,
          range,
          timezone: options.timezone,
          eventsTable: store.eventsTable,
        });
        console.log(`  ${query.name.padEnd(24)} ${cells.join(' ')}   ${plan.source}`);
      }
      const sequentialCells: string[] = [];
      const concurrentCells: string[] = [];
      for (const path of options.paths) {
        const sequential = await measureRuns(options.runs, async () => {
          for (const query of DASHBOARD_QUERIES) await run(query, dateRange, path);
        });
        // The dashboard's widgets each send their query as the page loads: all of them in flight together.
        const concurrent = await measureRuns(options.runs, async () => {
          await Promise.all(DASHBOARD_QUERIES.map((query) => run(query, dateRange, path)));
        });
        const wholeSetMs = median(concurrent.wallMs);
        const sequentialMs = median(sequential.wallMs);
        results.push({ label, path, wholeSetMs, sequentialMs, slowestMs: slowest.get(path) ?? 0 });
        sequentialCells.push(`${ms(sequentialMs)} (${ms(median(sequential.cpuMs)).trim()})`.padStart(19));
        concurrentCells.push(`${ms(wholeSetMs)} (${ms(median(concurrent.cpuMs)).trim()})`.padStart(19));
      }
      console.log(`  ${'whole set, sequential'.padEnd(24)} ${sequentialCells.join(' ')}`);
      console.log(`  ${'whole set, as loaded'.padEnd(24)} ${concurrentCells.join(' ')}`);
      console.log(
        `  ${'sum of medians'.padEnd(24)} ${options.paths.map((path) => ms(sums.get(path) ?? 0).padStart(19)).join(' ')}`,
      );
    }

    console.log(`\nTargets (${millions(options.events)} events this run):`);
    for (const path of options.paths) {
      const month = results.find((result) => result.path === path && result.label === '30 days');
      const slowest = Math.max(...results.filter((result) => result.path === path).map((result) => result.slowestMs));
      if (month !== undefined) {
        const verdict = month.wholeSetMs <= TARGET_DASHBOARD_30D_AT_10M_MS ? 'met' : 'MISSED';
        const applies = options.events === 10_000_000 ? '' : ' (the target is stated for 10 M events)';
        console.log(
          `  ${path.padEnd(7)} whole dashboard as loaded, 30 days, <= ${TARGET_DASHBOARD_30D_AT_10M_MS} ms: ${month.wholeSetMs.toFixed(1)} ms — ${verdict}${applies} (one query at a time: ${month.sequentialMs.toFixed(1)} ms)`,
        );
      }
      const verdict = slowest <= TARGET_SINGLE_QUERY_AT_100M_MS ? 'met' : 'MISSED';
      const applies = options.events === 100_000_000 ? '' : ' (the target is stated for 100 M events)';
      console.log(
        `  ${path.padEnd(7)} slowest single query (30 d or 12 mo), <= ${TARGET_SINGLE_QUERY_AT_100M_MS} ms: ${slowest.toFixed(1)} ms — ${verdict}${applies}`,
      );
    }
  } finally {
    await store.close();
    if (!options.keepData && options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`Data kept in ${dataDir}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
