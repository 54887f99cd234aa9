import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbEventStore } from './chdb.js';
import { createClickhouseEventStore } from './clickhouse.js';
import { sampleEventRows } from './event-row.fixture.js';
import type { EventStore } from './event-store.js';

// chDB binds one data directory per process: the tests share it and isolate by database name.
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-site-deletion-'));
const opened: EventStore[] = [];

afterAll(async () => {
  for (const store of opened) await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function freshStore() {
  const database = `t_${randomBytes(5).toString('hex')}`;
  const store = createChdbEventStore({ dataDir, database });
  opened.push(store);
  await store.migrate();
  return { store, database };
}

async function countsBySite(store: EventStore, table = store.eventsTable): Promise<Record<string, number>> {
  const rows = await store.query<{ site_id: number; n: string }>(
    `SELECT site_id, count() AS n FROM ${table} GROUP BY site_id ORDER BY site_id`,
  );
  return Object.fromEntries(rows.map((row) => [String(row.site_id), Number(row.n)]));
}

describe('EventStore.deleteSite (chDB)', () => {
  it("removes every event of one site, across months, and leaves the other sites' events alone", async () => {
    const { store } = await freshStore();
    const rows = sampleEventRows(60).map((row, i) => ({
      ...row,
      site_id: (i % 3) + 1,
      // Three months, so the site's rows sit in several partitions.
      ts: Date.UTC(2025, i % 3, 10, 12),
    }));
    await store.insertBatch(rows, 'deletion-1');
    expect(await countsBySite(store)).toEqual({ '1': 20, '2': 20, '3': 20 });

    await store.deleteSite(2);
    expect(await countsBySite(store)).toEqual({ '1': 20, '3': 20 });

    // Idempotent: deleting again (the follow-up sweep) changes nothing and does not fail.
    await store.deleteSite(2);
    expect(await countsBySite(store)).toEqual({ '1': 20, '3': 20 });
  });

  it('also empties other tables keyed by site_id (rollups), and skips views', async () => {
    const { store, database } = await freshStore();
    await store.command(
      `CREATE TABLE ${database}.daily_rollup (site_id UInt32, day Date, visitors AggregateFunction(uniq, UInt64)) ENGINE = AggregatingMergeTree ORDER BY (site_id, day)`,
    );
    await store.command(
      `CREATE MATERIALIZED VIEW ${database}.daily_rollup_mv TO ${database}.daily_rollup AS SELECT site_id, toDate(ts) AS day, uniqState(visitor_id) AS visitors FROM ${database}.events GROUP BY site_id, day`,
    );
    await store.command(`CREATE VIEW ${database}.site_view AS SELECT site_id FROM ${database}.events`);
    await store.insertBatch(
      sampleEventRows(10).map((row, i) => ({ ...row, site_id: (i % 2) + 7 })),
      'deletion-2',
    );
    expect(await countsBySite(store, `${database}.daily_rollup`)).toEqual({ '7': 1, '8': 1 });

    await store.deleteSite(7);
    expect(await countsBySite(store)).toEqual({ '8': 5 });
    expect(await countsBySite(store, `${database}.daily_rollup`)).toEqual({ '8': 1 });
  });

  it('refuses an id that cannot be a site id instead of sending it anywhere', async () => {
    const { store } = await freshStore();
    for (const bad of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
      await expect(store.deleteSite(bad)).rejects.toThrow(/positive 32-bit integer/);
    }
  });
});

describe('EventStore.deleteSite (ClickHouse server)', () => {
  let server: Server | undefined;

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('finds the tables, then sends one synchronous mutation per table with every value bound', async () => {
    const requests: URL[] = [];
    const bodies: string[] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const body = Buffer.concat(chunks).toString();
        requests.push(url);
        bodies.push(body);
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-ClickHouse-Summary': '{}' });
        const sql = `${url.searchParams.get('query') ?? ''}${body}`;
        res.end(
          sql.includes('system.tables') ? JSON.stringify({ data: [{ name: 'events' }, { name: 'rollup' }] }) : '',
        );
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const store = createClickhouseEventStore({ url: `http://127.0.0.1:${port}`, database: 'analytics' });
    await store.deleteSite(42);
    await store.close();

    const mutations = requests
      .map((url, i) => ({ url, sql: `${url.searchParams.get('query') ?? ''}${bodies[i]}` }))
      .filter(({ sql }) => sql.includes('ALTER TABLE'));
    expect(mutations.map(({ url }) => url.searchParams.get('param_table'))).toEqual(['events', 'rollup']);
    for (const { url, sql } of mutations) {
      expect(sql).toContain('DELETE WHERE site_id = {site:UInt32}');
      expect(sql).toContain('mutations_sync = 2');
      expect(sql).not.toContain('42');
      expect(url.searchParams.get('param_site')).toBe('42');
      expect(url.searchParams.get('param_db')).toBe('analytics');
    }
  });
});
