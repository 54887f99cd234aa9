import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbEventStore } from './chdb.js';
import { sampleEventRow, sampleEventRows } from './event-row.fixture.js';
import type { EventStore } from './event-store.js';
import { applyMigrations, InvalidDatabaseNameError, MIGRATIONS } from './schema.js';

// chDB binds one data directory per process: every test here shares this one and isolates by database name.
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-chdb-'));
const opened: EventStore[] = [];

async function freshStore(database = `t_${randomBytes(5).toString('hex')}`) {
  const store = createChdbEventStore({ dataDir, database });
  opened.push(store);
  await store.migrate();
  return { store, database };
}

async function count(store: EventStore): Promise<number> {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${store.eventsTable}`);
  return Number(row?.n);
}

afterAll(async () => {
  for (const store of opened) await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('chDB event store', () => {
  it('answers the next query correctly after one failed halfway through its output', async () => {
    const { store } = await freshStore();
    // Fails after streaming many blocks: chDB keeps that partial output in the Session it ran on.
    const failing = 'SELECT number, throwIf(number = 200000) FROM numbers(1000000) SETTINGS max_block_size = 1000';
    for (let i = 0; i < 4; i++) await expect(store.query(failing)).rejects.toThrow(/throwIf/);
    // Every reader Session gets asked something next; each must answer its own query only.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.query<{ x: number }>(`SELECT ${i} AS x`)),
    );
    expect(answers.map((rows) => rows[0]?.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('stores a batch and counts it', async () => {
    const { store } = await freshStore();
    await store.insertBatch(sampleEventRows(250), 'batch-1');
    expect(await count(store)).toBe(250);
    const [byName] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${store.eventsTable} WHERE site_id = {site:UInt32} AND name = {name:String}`,
      { site: 1, name: 'pageview' },
    );
    expect(byName?.n).toBe('250');
  });

  it('stores a retried batch once, also after closing and reopening', async () => {
    const { store, database } = await freshStore();
    const rows = sampleEventRows(40);
    await store.insertBatch(rows, 'journal-a:1:0-4000');
    await store.insertBatch(rows, 'journal-a:1:0-4000');
    expect(await count(store)).toBe(40);
    await store.close();

    const reopened = createChdbEventStore({ dataDir, database });
    opened.push(reopened);
    await reopened.migrate();
    await reopened.insertBatch(rows, 'journal-a:1:0-4000');
    expect(await count(reopened)).toBe(40);
    // The token, not the content, decides: a new token is a new batch (and a later one still goes in).
    await reopened.insertBatch(sampleEventRows(3), 'journal-a:1:4000-4300');
    expect(await count(reopened)).toBe(43);
  });

  it('round-trips maps, 64-bit ids, decimals and awkward strings exactly', async () => {
    const { store } = await freshStore();
    const row = sampleEventRow({
      visitor_id: '18446744073709551615',
      session_id: '9007199254740993',
      props: { plan: 'pro', ['__proto__']: 'kept', 'quote"key': "it's\nmulti\tline \\ ✓", emoji: '🚀' },
      revenue_amount: '12345678901234.5678',
      revenue_currency: 'EUR',
      title: 'lone \ud800 surrogate and NUL \u0000 char',
    });
    await store.insertBatch([row], 't1');
    const [back] = await store.query<Record<string, unknown>>(
      `SELECT visitor_id, session_id, props, revenue_amount, title, event_id FROM ${store.eventsTable}`,
    );
    expect(back).toEqual({
      visitor_id: '18446744073709551615',
      session_id: '9007199254740993',
      props: row.props,
      revenue_amount: '12345678901234.5678',
      title: 'lone \ufffd surrogate and NUL \u0000 char',
      event_id: row.event_id,
    });
  });

  it('keeps milliseconds of timestamps, in rows and in bound parameters', async () => {
    const { store } = await freshStore();
    const ts = Date.UTC(2025, 2, 1, 23, 59, 59, 987);
    await store.insertBatch([sampleEventRow({ ts }), sampleEventRow({ ts: ts + 1 })], 't1');
    const rows = await store.query<{ ms: string; text: string }>(
      `SELECT toUnixTimestamp64Milli(ts) AS ms, toString(ts) AS text FROM ${store.eventsTable}
       WHERE ts <= {until:DateTime64(3, 'UTC')} ORDER BY ts`,
      { until: ts },
    );
    expect(rows).toEqual([{ ms: String(ts), text: '2025-03-01 23:59:59.987' }]);
  });

  it('binds values as data: injection strings come back intact and match nothing else', async () => {
    const { store } = await freshStore();
    const evil = `x' OR 1=1; DROP TABLE ${store.eventsTable}; --`;
    await store.insertBatch([sampleEventRow({ pathname: evil }), sampleEventRow({ pathname: '/other' })], 't1');
    const rows = await store.query<{ pathname: string; echo: string }>(
      `SELECT pathname, {p:String} AS echo FROM ${store.eventsTable} WHERE pathname = {p:String}`,
      { p: evil },
    );
    expect(rows).toEqual([{ pathname: evil, echo: evil }]);
    const [inList] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${store.eventsTable} WHERE pathname IN {paths:Array(String)} AND interactive = {flag:UInt8}`,
      { paths: ['/other', "'); --"], flag: true },
    );
    expect(inList?.n).toBe('1');
    expect(await count(store)).toBe(2);
  });

  it('migrates idempotently and records each version once', async () => {
    const { store, database } = await freshStore();
    await store.migrate();
    const versions = await store.query<{ version: number }>(
      `SELECT version FROM ${database}.schema_migrations ORDER BY version`,
    );
    expect(versions).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
  });

  it('applies a later migration once, and inserts keep working with the added column', async () => {
    const { store, database } = await freshStore();
    const version = MIGRATIONS.length + 1;
    const next = [
      ...MIGRATIONS,
      {
        version,
        name: 'add an experiment column',
        statements: (db: string) => [
          `ALTER TABLE ${db}.events ADD COLUMN IF NOT EXISTS experiment LowCardinality(String) DEFAULT ''`,
        ],
      },
    ];
    expect(await applyMigrations(store, database, next)).toEqual([version]);
    expect(await applyMigrations(store, database, next)).toEqual([]);
    await store.insertBatch(sampleEventRows(3), 't1');
    const rows = await store.query<{ experiment: string }>(`SELECT experiment FROM ${store.eventsTable}`);
    expect(rows).toEqual([{ experiment: '' }, { experiment: '' }, { experiment: '' }]);
  });

  it('runs commands, reports health, and refuses work once closed', async () => {
    const { store } = await freshStore();
    await store.insertBatch(sampleEventRows(5, { site_id: 7 }), 't1');
    await store.command(
      `ALTER TABLE ${store.eventsTable} DELETE WHERE site_id = {site:UInt32} SETTINGS mutations_sync = 1`,
      {
        site: 7,
      },
    );
    expect(await count(store)).toBe(0);
    expect(await store.health()).toEqual({ ok: true, engine: 'chdb' });
    await store.close();
    expect((await store.health()).ok).toBe(false);
    await expect(store.query('SELECT 1')).rejects.toThrow(/closed/);
  });

  it('answers reads while a slow query runs on another reader', async () => {
    const { store } = await freshStore();
    const slow = store.query('SELECT sum(sleepEachRow(0.1)) AS s FROM numbers(20) SETTINGS max_block_size = 1');
    const started = Date.now();
    await store.query('SELECT 1');
    expect(Date.now() - started).toBeLessThan(1000);
    await slow;
  });

  it('refuses database names that are not plain identifiers', () => {
    expect(() => createChdbEventStore({ dataDir, database: 'x; DROP DATABASE y' })).toThrow(InvalidDatabaseNameError);
    expect(() => createChdbEventStore({ dataDir, database: '1abc' })).toThrow(InvalidDatabaseNameError);
  });
});
