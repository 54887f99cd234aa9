import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClickhouseEventStore } from './clickhouse.js';
import { sampleEventRow } from './event-row.fixture.js';
import { EVENT_COLUMNS } from './schema.js';

/**
 * No ClickHouse server runs here, so these tests check what the adapter SENDS over HTTP (query text, bound
 * parameters, dedup token, payload) against a loopback stand-in that answers like ClickHouse does.
 */

interface Recorded {
  method: string;
  url: URL;
  body: string;
}

let server: Server;
let baseUrl: string;
const requests: Recorded[] = [];
let answer: (request: Recorded, res: ServerResponse) => void;

function reply(res: ServerResponse, status: number, body: string, contentType = 'application/json') {
  res.writeHead(status, { 'Content-Type': contentType, 'X-ClickHouse-Summary': '{}' });
  res.end(body);
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://localhost'),
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      answer(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  answer = (_request, res) => reply(res, 200, '');
});

/** The SQL of a request: in the `query` URL parameter, or the body for queries sent that way. */
function sqlOf(request: Recorded): string {
  return `${request.url.searchParams.get('query') ?? ''}\n${request.body}`;
}

describe('ClickHouse server event store (over a stand-in HTTP server)', () => {
  it('inserts JSONEachRow with the batch token as a per-insert setting', async () => {
    const store = createClickhouseEventStore({ url: baseUrl, database: 'sightline' });
    const row = sampleEventRow({ visitor_id: '18446744073709551615', props: { plan: 'pro' } });
    await store.insertBatch([row], 'journal:3:0-812');
    const [insert] = requests;
    expect(insert?.url.searchParams.get('query')).toMatch(
      /^INSERT INTO sightline\.events \(site_id, ts, .*source\) FORMAT JSONEachRow/,
    );
    expect(insert?.url.searchParams.get('insert_deduplication_token')).toBe('journal:3:0-812');
    expect(insert?.url.searchParams.get('async_insert')).toBe('0');
    const sent = JSON.parse(insert?.body.trim() ?? '{}');
    expect(Object.keys(sent)).toEqual([...EVENT_COLUMNS]);
    expect(sent).toMatchObject({
      visitor_id: '18446744073709551615',
      ts: '2025-01-15 12:00:00.250',
      props: { plan: 'pro' },
    });
    await store.close();
  });

  it('sends values as query parameters, never inside the SQL text', async () => {
    answer = (_request, res) => reply(res, 200, JSON.stringify({ meta: [], data: [{ n: '42' }], rows: 1 }));
    const store = createClickhouseEventStore({ url: baseUrl, database: 'sightline' });
    const evil = "x'); DROP TABLE sightline.events; --";
    const rows = await store.query<{ n: string }>(
      'SELECT count() AS n FROM sightline.events WHERE pathname = {p:String} AND interactive = {i:UInt8}',
      {
        p: evil,
        i: true,
      },
    );
    expect(rows).toEqual([{ n: '42' }]);
    const [query] = requests;
    expect(query?.url.searchParams.get('param_p')).toBe("x\\'); DROP TABLE sightline.events; --");
    expect(query?.url.searchParams.get('param_i')).toBe('1');
    expect(query?.url.searchParams.get('output_format_json_quote_64bit_integers')).toBe('1');
    expect(sqlOf(query!)).not.toContain('DROP TABLE');
    await store.close();
  });

  it('migrates with the same DDL as chDB and records the version', async () => {
    answer = (request, res) =>
      // The ledger and the rollup backfill's day counts read empty: a fresh server.
      /^\s*SELECT/.test(sqlOf(request)) ? reply(res, 200, JSON.stringify({ data: [] })) : reply(res, 200, '');
    const store = createClickhouseEventStore({ url: baseUrl, database: 'analytics' });
    await store.migrate();
    const statements = requests.map(sqlOf).join('\n');
    expect(statements).toContain('CREATE DATABASE IF NOT EXISTS analytics');
    expect(statements).toContain('CREATE TABLE IF NOT EXISTS analytics.events');
    expect(statements).toContain('non_replicated_deduplication_window = 1000');
    expect(statements).toContain('INSERT INTO analytics.schema_migrations');
    await store.close();
  });

  it('reports an unreachable or failing server as unhealthy without throwing, and hides credentials', async () => {
    answer = (_request, res) =>
      reply(res, 500, 'Code: 516. DB::Exception: default: Authentication failed', 'text/plain');
    const failing = createClickhouseEventStore({ url: baseUrl, database: 'sightline' });
    const health = await failing.health();
    expect(health).toMatchObject({ ok: false, engine: 'clickhouse' });
    await failing.close();

    const unreachable = createClickhouseEventStore({
      url: 'http://user:hunter2secret@127.0.0.1:9',
      database: 'sightline',
      healthTimeoutMs: 500,
    });
    const down = await unreachable.health();
    expect(down.ok).toBe(false);
    expect(down.detail ?? '').not.toContain('hunter2secret');
    await unreachable.close();
  });

  it('surfaces a failed insert as an error, so the flusher retries it', async () => {
    answer = (_request, res) => reply(res, 500, 'Code: 241. DB::Exception: Memory limit exceeded', 'text/plain');
    const store = createClickhouseEventStore({ url: baseUrl, database: 'sightline' });
    await expect(store.insertBatch([sampleEventRow()], 't')).rejects.toThrow(/Memory limit/);
    await store.close();
  });
});
