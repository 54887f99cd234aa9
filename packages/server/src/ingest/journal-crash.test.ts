import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbEventStore } from '../storage/events/chdb.js';
import { createFlusher } from './flusher.js';
import { createJournal } from './journal.js';

/**
 * The durability promise, tested the hard way: a real process is killed with SIGKILL while requests append and the
 * flusher inserts, twice in a row (the second run starts by replaying the first one's journal). Every event it
 * acknowledged must then be stored exactly once.
 *
 * This process opens chDB only after the children are dead: two processes must never share a chDB directory.
 */

const root = mkdtempSync(join(tmpdir(), 'sightline-crash-'));
const journalDir = join(root, 'journal');
const chdbDir = join(root, 'events');
const database = 'crash_test';
const fixture = fileURLToPath(new URL('./journal-crash.fixture.ts', import.meta.url));

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs the fixture until it has acknowledged for `runMs`, kills it with SIGKILL, returns the acknowledged ids. */
async function runAndKill(runMs: number, batchMax: number): Promise<string[]> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fixture, journalDir, chdbDir, database, String(batchMax)],
    {
      cwd: process.cwd(),
      env: { ...process.env, UV_THREADPOOL_SIZE: '16' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const readyBy = Date.now() + 15_000;
  while (!stdout.includes('\n')) {
    if (Date.now() > readyBy || child.exitCode !== null)
      throw new Error(`fixture did not start: ${stderr.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, runMs));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  // Only whole lines count: a line cut by the kill was never fully acknowledged to anyone.
  const lines = stdout.split('\n').slice(0, -1);
  return lines.filter((line) => line.startsWith('ack ')).flatMap((line) => line.slice(4).split(','));
}

describe('journal under kill -9', () => {
  it('stores every acknowledged event exactly once after two SIGKILLs', async () => {
    // Different batch sizes per run: a replay that did not reuse the crashed batch's exact range would duplicate.
    const first = await runAndKill(1200 + Math.random() * 400, 150);
    const second = await runAndKill(800 + Math.random() * 400, 97);
    const acknowledged = [...first, ...second];
    expect(first.length).toBeGreaterThan(100);
    expect(second.length).toBeGreaterThan(100);

    const store = createChdbEventStore({ dataDir: chdbDir, database });
    try {
      await store.migrate();
      const journal = await createJournal({ dir: journalDir, fsync: true, maxPending: 1_000_000 });
      await createFlusher({ journal, store, intervalMs: 500, batchMax: 5000 }).flushNow();
      expect(journal.pending()).toBe(0);
      await journal.close();

      const [totals] = await store.query<{ rows: string; ids: string }>(
        `SELECT count() AS rows, uniqExact(event_id) AS ids FROM ${store.eventsTable}`,
      );
      // No event twice, acknowledged or not (unacknowledged ones may be stored: their write made it before the kill).
      expect(totals?.rows).toBe(totals?.ids);
      // Every stored id, matched here: the 100,000 or more acknowledged ids as a bound array took chDB up to a minute.
      const stored = await store.query<{ id: string; n: string }>(
        `SELECT toString(event_id) AS id, count() AS n FROM ${store.eventsTable} GROUP BY event_id`,
      );
      const counts = new Map(stored.map((row) => [row.id, Number(row.n)]));
      const missing = acknowledged.filter((id) => counts.get(id) !== 1);
      expect(missing).toEqual([]);
      expect(Number(totals?.rows)).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      await store.close();
    }
  });
});
