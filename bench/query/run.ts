/**
 * Query benchmark (issue 4): loads generated events into a fresh embedded chDB store, then times the dashboard's query
 * set over the last 30 days and the last 12 months of the largest site. Prints figures; asserts nothing.
 *
 *   npm run bench:query -- [--events 10000000] [--chunk 5000000] [--runs 5] [--seed 1] [--timezone Europe/Berlin]
 *                          [--max-memory 3000000000] [--data-dir DIR] [--keep-data]
 *
 * Targets on the reference 2-core machine: the whole dashboard over 30 days at 10 M events <= 150 ms; any single
 * query at 100 M events <= 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  addCalendarDays,
  localDateOf,
  localMidnightMs,
} from '../../packages/server/src/stats/ground-truth/local-time.js';
import { createChdbEventStore } from '../../packages/server/src/storage/events/chdb.js';
import { BENCH_END_MS, LARGEST_SITE_ID, loadGeneratedEvents } from './load-events.js';
import { DASHBOARD_QUERIES, type DateRange } from './queries.js';
import { median, timeRuns } from './timing.js';

const TARGET_DASHBOARD_30D_AT_10M_MS = 150;
const TARGET_SINGLE_QUERY_AT_100M_MS = 1000;
const MAX_EVENTS = 1_000_000_000;

interface BenchOptions {
  events: number;
  chunk: number;
  runs: number;
  seed: number;
  timezone: string;
  maxMemory: number;
  dataDir: string | undefined;
  keepData: boolean;
}

function positiveInt(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`--${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

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
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'npm run bench:query -- [--events 10000000] [--chunk 5000000] [--runs 5] [--seed 1] [--timezone Europe/Berlin] [--max-memory BYTES] [--data-dir DIR] [--keep-data]',
    );
    return undefined;
  }
  return {
    events: positiveInt('events', values.events, 10_000_000, MAX_EVENTS),
    chunk: positiveInt('chunk', values.chunk, 5_000_000, 50_000_000),
    runs: positiveInt('runs', values.runs, 5, 1000),
    seed: positiveInt('seed', values.seed, 1, 0xffff_ffff),
    timezone: values.timezone,
    maxMemory: positiveInt('max-memory', values['max-memory'], 3_000_000_000, 64_000_000_000),
    dataDir: values['data-dir'],
    keepData: values['keep-data'],
  };
}

/** The last `days` full local days before the generated data ends. */
function lastDays(days: number, timezone: string): DateRange {
  const lastDay = localDateOf(BENCH_END_MS - 86_400_000, timezone);
  return {
    startMs: localMidnightMs(addCalendarDays(lastDay, 1 - days), timezone),
    endMs: localMidnightMs(addCalendarDays(lastDay, 1), timezone),
  };
}

const ms = (value: number) => `${value.toFixed(1).padStart(8)} ms`;
const millions = (count: number) => `${(count / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} M`;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sightline-bench-query-'));
  const store = createChdbEventStore({ dataDir, database: 'bench_query', readers: 1 });
  try {
    await store.migrate();
    await store.command(`TRUNCATE TABLE IF EXISTS ${store.eventsTable}`);
    console.log(
      `Loading ${millions(options.events)} generated events into ${dataDir} (chunks of ${millions(options.chunk)})`,
    );
    const loadMs = await loadGeneratedEvents(
      store,
      { total: options.events, chunkSize: options.chunk, seed: options.seed, maxMemoryBytes: options.maxMemory },
      (progress) =>
        console.log(
          `  ${millions(progress.loaded)} / ${millions(progress.total)}  ${(progress.elapsedMs / 1000).toFixed(1)} s`,
        ),
    );
    const [table] = await store.query<{ rows: string; parts: string; bytes: string }>(
      `SELECT sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts
       WHERE database = {db:String} AND table = 'events' AND active`,
      { db: store.eventsTable.split('.')[0] ?? '' },
    );
    const [site] = await store.query<{ events: string }>(
      `SELECT count() AS events FROM ${store.eventsTable} WHERE site_id = {site:UInt32}`,
      { site: LARGEST_SITE_ID },
    );
    console.log(
      `Loaded in ${(loadMs / 1000).toFixed(1)} s (${Math.round(options.events / (loadMs / 1000)).toLocaleString('en-US')} events/s): ` +
        `${Number(table?.rows ?? 0).toLocaleString('en-US')} rows in ${table?.parts} parts, ` +
        `${(Number(table?.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB on disk; site ${LARGEST_SITE_ID} holds ${millions(Number(site?.events ?? 0))} events`,
    );

    const results: { label: string; total: number; slowest: number }[] = [];
    for (const [label, days] of [
      ['30 days', 30],
      ['12 months', 365],
    ] as const) {
      const range = lastDays(days, options.timezone);
      console.log(
        `\nDashboard, ${label} (${new Date(range.startMs).toISOString()} – ${new Date(range.endMs).toISOString()}, ${options.timezone}), median of ${options.runs} runs after 1 warm-up:`,
      );
      let sumOfMedians = 0;
      let slowest = 0;
      for (const query of DASHBOARD_QUERIES) {
        const times = await timeRuns(options.runs, () => query.run(store, LARGEST_SITE_ID, range, options.timezone));
        const typical = median(times);
        sumOfMedians += typical;
        slowest = Math.max(slowest, typical);
        console.log(
          `  ${query.name.padEnd(24)} ${ms(typical)}   (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`,
        );
      }
      const wholeSet = median(
        await timeRuns(options.runs, async () => {
          for (const query of DASHBOARD_QUERIES) await query.run(store, LARGEST_SITE_ID, range, options.timezone);
        }),
      );
      console.log(
        `  ${'whole set (sequential)'.padEnd(24)} ${ms(wholeSet)}   (sum of medians ${sumOfMedians.toFixed(1)} ms)`,
      );
      results.push({ label, total: wholeSet, slowest });
    }

    console.log(`\nTargets (${millions(options.events)} events this run):`);
    const month = results[0];
    const year = results[1];
    if (month !== undefined) {
      const verdict = month.total <= TARGET_DASHBOARD_30D_AT_10M_MS ? 'met' : 'MISSED';
      const applies = options.events === 10_000_000 ? '' : ' (the target is stated for 10 M events)';
      console.log(
        `  whole dashboard, 30 days, <= ${TARGET_DASHBOARD_30D_AT_10M_MS} ms: ${month.total.toFixed(1)} ms — ${verdict}${applies}`,
      );
    }
    const slowest = Math.max(month?.slowest ?? 0, year?.slowest ?? 0);
    const verdict = slowest <= TARGET_SINGLE_QUERY_AT_100M_MS ? 'met' : 'MISSED';
    const applies = options.events === 100_000_000 ? '' : ' (the target is stated for 100 M events)';
    console.log(
      `  slowest single query (30 d or 12 mo), <= ${TARGET_SINGLE_QUERY_AT_100M_MS} ms: ${slowest.toFixed(1)} ms — ${verdict}${applies}`,
    );
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
