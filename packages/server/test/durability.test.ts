import { describe, expect, it } from 'vitest';
import { createEventStore } from '../src/storage/events/index.js';
import { childEnv, runCliCommand, startChildServer, tempDataDir } from './support/server.js';

/**
 * The promise users rely on most: an event that got a 2xx is stored exactly once, whatever happens to the process
 * afterwards. These tests kill a real server with SIGKILL in the middle of a load, and stop one with SIGTERM right
 * after the last acknowledgement, then count what the event store holds.
 */
const dataDir = tempDataDir('sightline-durability-');
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function sendTagged(url: string, phase: string, seq: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/event`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': `198.51.100.${seq % 200}` },
      body: JSON.stringify({
        n: 'pageview',
        u: `https://durable.example/p/${seq}`,
        d: 'durable.example',
        p: { phase, seq: String(seq) },
      }),
    });
    await response.arrayBuffer();
    return response.status === 202;
  } catch {
    return false; // the connection died with the server: not acknowledged
  }
}

const acknowledged = { crash: new Set<number>(), term: new Set<number>() };
let attemptedCrash = 0;

describe('durability', () => {
  it('sets up a site', async () => {
    const result = await runCliCommand(['sites', 'add', 'durable.example'], childEnv(dataDir));
    expect(result.code, result.stderr).toBe(0);
  });

  it('loses no acknowledged event when the server is killed with SIGKILL under load', async () => {
    const server = await startChildServer(dataDir, { TRUST_PROXY: 'true', INGEST_RATE_LIMIT_PER_IP: '0' });
    let seq = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const mine = seq++;
        attemptedCrash++;
        if (await sendTagged(server.url, 'crash', mine)) acknowledged.crash.add(mine);
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await new Promise((r) => setTimeout(r, 2_500));
    server.process.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    const exit = await server.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(acknowledged.crash.size).toBeGreaterThan(200);
  });

  it('drains and flushes everything on SIGTERM, then exits cleanly', async () => {
    // Restarting also replays whatever the killed process had journaled but not yet flushed.
    const server = await startChildServer(dataDir, {
      TRUST_PROXY: 'true',
      INGEST_RATE_LIMIT_PER_IP: '0',
      FLUSH_INTERVAL_MS: '60000',
    });
    const sends = Array.from({ length: 300 }, (_, i) =>
      sendTagged(server.url, 'term', i).then((ok) => ok && acknowledged.term.add(i)),
    );
    await Promise.all(sends);
    server.process.kill('SIGTERM');
    const exit = await server.exited;
    expect(exit.code, server.output()).toBe(0);
    expect(acknowledged.term.size).toBe(300);
  });

  it('holds every acknowledged event exactly once', async () => {
    const store = await createEventStore({ clickhouseDatabase: 'sightline', dataDir });
    try {
      const rows = await store.query<{ phase: string; seq: string; copies: string }>(
        `SELECT props['phase'] AS phase, props['seq'] AS seq, count() AS copies FROM ${store.eventsTable} GROUP BY phase, seq`,
      );
      for (const phase of ['crash', 'term'] as const) {
        const stored = new Map(
          rows.filter((row) => row.phase === phase).map((row) => [Number(row.seq), Number(row.copies)]),
        );
        const missing = [...acknowledged[phase]].filter((seq) => !stored.has(seq));
        expect(missing, `${phase}: acknowledged but not stored`).toEqual([]);
        const duplicated = [...stored].filter(([, copies]) => copies !== 1);
        expect(duplicated, `${phase}: stored more than once`).toEqual([]);
      }
      // Unacknowledged events may or may not have made it, but never more than the attempts.
      expect(rows.filter((row) => row.phase === 'crash').length).toBeLessThanOrEqual(attemptedCrash);
    } finally {
      await store.close();
    }
  });
});
