/**
 * Ingestion benchmark: a real Sightline server in a child process, a bounded loopback load of Plausible-format
 * pageviews against POST /api/event, then a count of what reached the event store. Prints figures; asserts nothing.
 *
 *   npm run bench:ingest -- [--seconds 30] [--count N] [--concurrency 64] [--warmup 2] [--fsync true]
 *                           [--pool 8192] [--visitors 2000] [--seed 1] [--keep-data] [--url http://host:port]
 *
 * Target on the reference 2-core machine: >= 5,000 events/s sustained with p99 < 50 ms, durability on.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type LoadReport, runLoad } from './load-generator.js';
import { buildRequestPool } from './request-mix.js';
import {
  CLI_ENTRY,
  freePort,
  type RssSampler,
  type RunningServerProcess,
  runTsScript,
  SERVER_ENTRY,
  sampleRss,
  startServerProcess,
} from './server-process.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOMAIN = 'bench.example';
const TARGET = { eventsPerSecond: 5000, p99Ms: 50 };

interface BenchOptions {
  seconds: number;
  count: number | undefined;
  concurrency: number;
  warmupSeconds: number;
  fsync: boolean;
  pool: number;
  visitors: number;
  seed: number;
  keepData: boolean;
  url: string | undefined;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '30' },
      count: { type: 'string' },
      concurrency: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '2' },
      fsync: { type: 'string', default: 'true' },
      pool: { type: 'string', default: '8192' },
      visitors: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      'keep-data': { type: 'boolean', default: false },
      url: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(readUsage());
    process.exit(0);
  }
  const whole = (name: string, raw: string | undefined, min: number, max: number) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new RangeError(`--${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
  if (!['true', 'false'].includes(values.fsync)) throw new RangeError('--fsync must be true or false');
  return {
    seconds: whole('seconds', values.seconds, 1, 3600),
    count: values.count === undefined ? undefined : whole('count', values.count, 1, 1e9),
    concurrency: whole('concurrency', values.concurrency, 1, 4096),
    warmupSeconds: whole('warmup', values.warmup, 0, 600),
    fsync: values.fsync === 'true',
    pool: whole('pool', values.pool, 1, 1_000_000),
    visitors: whole('visitors', values.visitors, 1, 1_000_000),
    seed: whole('seed', values.seed, 0, 2 ** 31),
    keepData: values['keep-data'],
    url: values.url,
  };
}

function readUsage(): string {
  return [
    'npm run bench:ingest -- [options]',
    '  --seconds N       load duration (default 30); ignored when --count is given',
    '  --count N         send exactly N requests instead of running for a duration',
    '  --concurrency N   requests in flight (default 64)',
    '  --warmup N        seconds left out of the sustained rate (default 2)',
    '  --fsync BOOL      JOURNAL_FSYNC for the server (default true: durability on)',
    '  --pool N          distinct prepared requests (default 8192)',
    '  --visitors N      distinct IP + user-agent pairs (default 2000)',
    '  --seed N          seed for the request mix (default 1)',
    '  --keep-data       keep the temporary DATA_DIR for inspection',
    '  --url URL         load an already running server instead (no RSS, no stored count)',
  ].join('\n');
}

const integer = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const megabytes = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a (no /proc)' : `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function metricsSnapshot(baseUrl: string): Promise<string[]> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    return text
      .split('\n')
      .filter((line) =>
        /^sightline_(events_dropped_total|events_accepted_total|journal_pending_events|flush_failures_total)\b/.test(
          line,
        ),
      );
  } catch {
    return [];
  }
}

async function countStored(dataDir: string): Promise<{ stored: number } | { error: string }> {
  const result = await runTsScript(REPO_ROOT, 'bench/ingest/count-stored.ts', [dataDir], {
    UV_THREADPOOL_SIZE: '16',
    LOG_LEVEL: 'warn',
  });
  const line = result.output.split('\n').find((l) => l.startsWith('{"stored"'));
  if (result.code !== 0 || line === undefined)
    return { error: `count-stored exited with ${result.code}:\n${result.output.slice(-2000)}` };
  return JSON.parse(line) as { stored: number };
}

function printLoad(report: LoadReport, options: BenchOptions) {
  const statuses = Object.entries(report.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status}: ${integer(n)}`)
    .join('   ');
  const errors = Object.entries(report.errors).map(([code, n]) => `${code}: ${integer(n)}`);
  const dropped = Object.entries(report.droppedByReason).map(([reason, n]) => `${reason}: ${integer(n)}`);
  const { steady, latency } = report;
  console.log(
    `\nResults (steady phase ${steady.fromMs / 1000}–${steady.toMs / 1000} s of ${(report.elapsedMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  events/s sustained       ${integer(steady.perSecond)}  (accepted 202s per second; slowest second ${integer(steady.minSecond)}, fastest ${integer(steady.maxSecond)})`,
  );
  console.log(
    `  latency p50/p95/p99/max  ${ms(latency.percentile(50))} / ${ms(latency.percentile(95))} / ${ms(latency.percentile(99))} / ${ms(latency.max)} ms  (${integer(latency.count)} requests, ${options.concurrency} in flight)`,
  );
  console.log(`  responses by status      ${statuses || 'none'}`);
  console.log(`  request errors           ${errors.length > 0 ? errors.join('   ') : 'none'}`);
  console.log(
    `  dropped by the pipeline  ${dropped.length > 0 ? dropped.join('   ') : 'none'}  (202 with x-sightline-dropped)`,
  );
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const requests = buildRequestPool({
    domain: DOMAIN,
    size: options.pool,
    visitors: options.visitors,
    seed: options.seed,
  });
  const bound = options.count === undefined ? `${options.seconds} s` : `${integer(options.count)} requests`;

  console.log('Sightline ingestion benchmark');
  console.log(
    `  load        POST /api/event, Plausible format, ${options.concurrency} in flight, ${bound}, warm-up ${options.warmupSeconds} s`,
  );
  console.log(
    `  mix         ${integer(requests.length)} prepared pageviews, ${integer(options.visitors)} visitors (real UAs, X-Forwarded-For public IPs)`,
  );

  if (options.url !== undefined) {
    const report = await load(options, requests, `${options.url.replace(/\/$/, '')}/api/event`);
    printLoad(report, options);
    printTarget(report);
    return;
  }

  const dataDir = await mkdtemp(join(tmpdir(), 'sightline-bench-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    TRUST_PROXY: 'true',
    UV_THREADPOOL_SIZE: '16',
    LOG_LEVEL: 'warn',
    JOURNAL_FSYNC: String(options.fsync),
  };
  let server: RunningServerProcess | undefined;
  let rss: RssSampler | undefined;
  const interrupt = () => {
    server?.kill();
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  try {
    console.log(`  server      node ${SERVER_ENTRY} start  (DATA_DIR ${dataDir}, JOURNAL_FSYNC=${options.fsync})`);
    if (!existsSync(join(REPO_ROOT, 'packages/server/dist/cli/index.js'))) {
      throw new Error('the server is not built: run `npm run build` (npm install does it) first');
    }
    const added = await runTsScript(REPO_ROOT, CLI_ENTRY, ['sites', 'add', DOMAIN, '--timezone', 'UTC'], env);
    if (added.code !== 0) throw new Error(`sites add failed (exit ${added.code}):\n${added.output}`);

    const port = await freePort();
    const startedAt = performance.now();
    server = await startServerProcess({ repoRoot: REPO_ROOT, env, port });
    console.log(
      `  ready       pid ${server.pid} at ${server.baseUrl} after ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
    );
    rss = sampleRss(server.pid, 250);

    const cpuBefore = await cpuTicks(server.pid);
    const report = await load(options, requests, `${server.baseUrl}/api/event`);
    const cpuAfter = await cpuTicks(server.pid);
    const metrics = await metricsSnapshot(server.baseUrl);
    const stopped = await server.stop(60_000);
    const memory = rss.stop();
    printLoad(report, options);
    console.log(
      `  server peak RSS          ${megabytes(memory.peakBytes)}  (VmRSS sampled every 250 ms, ${memory.samples} samples; kernel VmHWM ${megabytes(memory.highWaterBytes)})`,
    );
    console.log(
      `  shutdown (SIGTERM→exit)  ${(stopped.ms / 1000).toFixed(1)} s, exit ${stopped.signal ?? stopped.code}${stopped.killed ? '  (did not exit in 60 s: SIGKILLed)' : ''}`,
    );
    if (cpuBefore && cpuAfter && report.accepted > 0) {
      // CPU time per event is what contention on a shared machine changes least: compare runs by it.
      const perEvent = (ticks: number) => `${integer((ticks * TICK_MS * 1000) / report.accepted)} µs`;
      console.log(
        `  server CPU per event     ${perEvent(cpuAfter.process - cpuBefore.process)} in all threads, ${perEvent(cpuAfter.mainThread - cpuBefore.mainThread)} on the event loop thread`,
      );
    }
    if (metrics.length > 0) console.log(`  server counters          ${metrics.join('\n                           ')}`);

    const counted = await countStored(dataDir);
    if ('error' in counted) {
      console.log(
        `  accepted vs stored       ${integer(report.accepted)} accepted; stored count unavailable: ${counted.error}`,
      );
    } else {
      const difference = counted.stored - report.accepted;
      console.log(
        `  accepted vs stored       ${integer(report.accepted)} accepted, ${integer(counted.stored)} stored  (${difference === 0 ? 'all stored' : `difference ${difference > 0 ? '+' : ''}${integer(difference)}`})`,
      );
    }
    printTarget(report);
  } finally {
    process.off('SIGINT', interrupt);
    rss?.stop();
    server?.kill();
    if (options.keepData) console.log(`\nData kept in ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

/** Kernel clock ticks are 10 ms on Linux (CLK_TCK 100). */
const TICK_MS = 10;

/** utime + stime of the whole process and of its main (event loop) thread, in clock ticks; undefined off Linux. */
async function cpuTicks(pid: number): Promise<{ process: number; mainThread: number } | undefined> {
  const ticks = (stat: string) => {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  try {
    const [whole, main] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8'),
    ]);
    return { process: ticks(whole), mainThread: ticks(main) };
  } catch {
    return undefined;
  }
}

function load(options: BenchOptions, requests: ReturnType<typeof buildRequestPool>, url: string): Promise<LoadReport> {
  return runLoad({
    url,
    requests,
    concurrency: options.concurrency,
    durationMs: options.count === undefined ? options.seconds * 1000 : undefined,
    maxRequests: options.count,
    warmupMs: options.warmupSeconds * 1000,
    onSecond: (second, accepted) => {
      // A terminal gets a live line; a log file gets one line every 5 s instead of a wall of carriage returns.
      if (process.stderr.isTTY)
        process.stderr.write(`\r  running     ${second} s: ${integer(accepted)} accepted in that second   `);
      else if (second % 5 === 0)
        process.stderr.write(`  running     ${second} s: ${integer(accepted)} accepted in that second\n`);
    },
  }).finally(() => {
    if (process.stderr.isTTY) process.stderr.write('\n');
  });
}

function printTarget(report: LoadReport) {
  const rateMet = report.steady.perSecond >= TARGET.eventsPerSecond;
  const p99Met = report.latency.percentile(99) < TARGET.p99Ms;
  console.log(
    `\nTarget (2-core reference machine): >= ${integer(TARGET.eventsPerSecond)} events/s ${rateMet ? 'met' : 'NOT met'}, p99 < ${TARGET.p99Ms} ms ${p99Met ? 'met' : 'NOT met'}`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench:ingest failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
