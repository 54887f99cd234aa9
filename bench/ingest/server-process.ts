import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * A Sightline server (or one CLI command) run as a child process, exactly as an operator would run it, so the
 * benchmark measures the real thing: its own event loop, its own chDB, its own memory.
 */

/** Path of the CLI source, relative to the repository root; run with `node --import tsx` for one-off commands. */
export const CLI_ENTRY = 'packages/server/src/cli/index.ts';
/** The built entry `npm start` runs: the server under load is measured as it ships, not under a transpiler. */
export const SERVER_ENTRY = 'packages/server/bin/sightline.cjs';
/** Settings that would point the child at external stores: the bench always runs the embedded ones. */
const EXTERNAL_STORE_SETTINGS = [
  'DATABASE_URL',
  'CLICKHOUSE_URL',
  'REDIS_URL',
  'DATABASE_URL_FILE',
  'CLICKHOUSE_URL_FILE',
  'REDIS_URL_FILE',
];
const OUTPUT_TAIL_BYTES = 64 * 1024;

export interface CliResult {
  code: number | null;
  output: string;
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of EXTERNAL_STORE_SETTINGS) if (!(name in env)) delete merged[name];
  return merged;
}

/** Runs an entry point from the repository root: TypeScript under `node --import tsx`, JavaScript as it is. */
function spawnTs(
  repoRoot: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, entry, ...args], {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep only the tail: a chatty server must not grow the bench's memory; the tail is what explains a failure.
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => tail };
}

/** Runs a TypeScript entry point (the CLI with `sites add`, the stored-row counter) to completion. */
export function runTsScript(
  repoRoot: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<CliResult> {
  const { child, output } = spawnTs(repoRoot, entry, args, env);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output()}\n${error.message}` });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output() });
    });
  });
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningServerProcess {
  pid: number;
  baseUrl: string;
  output(): string;
  /** SIGTERM, then wait for exit (the server drains and flushes); SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; killed: boolean }>;
  /** SIGKILL without waiting (for Ctrl-C of the bench). */
  kill(): void;
}

/** Starts `sightline start` and resolves once GET /health answers 200. */
export async function startServerProcess(options: {
  repoRoot: string;
  env: Record<string, string>;
  port: number;
  readyTimeoutMs?: number;
}): Promise<RunningServerProcess> {
  const { child, output } = spawnTs(options.repoRoot, SERVER_ENTRY, ['start'], {
    ...options.env,
    PORT: String(options.port),
    HOST: '127.0.0.1',
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  if (child.pid === undefined) throw new Error(`could not start the server: ${output()}`);
  const pid = child.pid;

  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    if (exited)
      throw new Error(
        `the server exited before it was ready (code ${exited.code}, signal ${exited.signal}):\n${output()}`,
      );
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within ${options.readyTimeoutMs ?? 180_000} ms:\n${output()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    pid,
    baseUrl,
    output,
    async stop(timeoutMs) {
      const began = performance.now();
      if (exited) return { ...exited, ms: 0, killed: false };
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const result = await exitPromise;
      clearTimeout(timer);
      return { ...result, ms: performance.now() - began, killed };
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

export interface RssSampler {
  /** Stops sampling; returns the largest VmRSS seen and the kernel's own high-water mark (VmHWM), in bytes. */
  stop(): { peakBytes: number | undefined; highWaterBytes: number | undefined; samples: number };
}

/** Samples /proc/<pid>/status (Linux) every `intervalMs`; elsewhere it reports nothing. */
export function sampleRss(pid: number, intervalMs = 250): RssSampler {
  let peakBytes: number | undefined;
  let highWaterBytes: number | undefined;
  let samples = 0;
  let reading = false;
  const kilobytes = (status: string, field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const sample = async () => {
    if (reading) return;
    reading = true;
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const rss = kilobytes(status, 'VmRSS');
      const hwm = kilobytes(status, 'VmHWM');
      if (rss !== undefined) {
        samples++;
        peakBytes = Math.max(peakBytes ?? 0, rss);
      }
      if (hwm !== undefined) highWaterBytes = Math.max(highWaterBytes ?? 0, hwm);
    } catch {
      // the process has exited, or this is not Linux
    } finally {
      reading = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakBytes, highWaterBytes, samples };
    },
  };
}
