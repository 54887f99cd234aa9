import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineParams } from './inline-params.js';

// A bare Session: the comparison needs the engine's own binding (queryBindAsync) beside the inlined text.
const dataDir = mkdtempSync(join(tmpdir(), 'sightline-inline-'));
const session = new Session(dataDir, { connectionArgs: ['--output_format_json_quote_64bit_integers=1'] });

afterAll(() => {
  session.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function inlinedAnswer(sql: string, params: Record<string, string | number | string[]>) {
  const text = inlineParams(sql, params);
  if (text === undefined) throw new Error('expected the query to be inlined');
  return (JSON.parse((await session.queryAsync(text, { format: 'JSON' })).text()) as { data: unknown[] }).data;
}

async function boundAnswer(sql: string, params: Record<string, string | number | string[]>) {
  return (JSON.parse((await session.queryBindAsync(sql, params, { format: 'JSON' })).text()) as { data: unknown[] })
    .data;
}

const HOSTILE = [
  "'",
  "\\'",
  "x') OR 1=1 --",
  "'; DROP TABLE events; --",
  '\\',
  '\\\\n',
  'a\u0000b',
  'line\nbreak\ttab',
  '{p0:String}',
  '`backtick`',
  '"double"',
  'ünïcödé ✓ 🙂',
  '',
];

describe('inlineParams', () => {
  it('hands every hostile string to the engine unchanged, as one value', async () => {
    for (const value of HOSTILE) {
      const answer = await inlinedAnswer('SELECT {s:String} AS s, length({s:String}) AS n', { s: value });
      expect(answer).toEqual([{ s: value, n: String(Buffer.byteLength(value)) }]);
    }
  });

  it('answers like binding for arbitrary strings and string lists', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.array(fc.string(), { maxLength: 5 }),
        async (s, list) => {
          // Binding receives what the string's UTF-8 bytes decode to; a lone surrogate becomes U+FFFD on both paths.
          const sql =
            'SELECT {s:String} AS s, {list:Array(String)} AS list, has({list:Array(String)}, {s:String}) AS inside';
          expect(await inlinedAnswer(sql, { s, list })).toEqual(await boundAnswer(sql, { s, list }));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes integers inside their type range as digits, including the extremes', async () => {
    const answer = await inlinedAnswer(
      'SELECT {a:UInt32} AS a, {b:Int64} AS b, {c:UInt64} AS c, {d:Int8} AS d, {e:Int64} + 1 AS e',
      { a: 4294967295, b: '-9223372036854775808', c: '18446744073709551615', d: -128, e: -2 },
    );
    expect(answer).toEqual([{ a: 4294967295, b: '-9223372036854775808', c: '18446744073709551615', d: -128, e: '-1' }]);
  });

  it('writes lists of integers as checked digits: 64-bit ids keep every digit, and an empty list stays typed', async () => {
    const ids = [0n, 12705355721988630494n, 18446744073709551615n];
    const text = inlineParams('SELECT {ids:Array(UInt64)} AS ids, has({ids:Array(UInt64)}, toUInt64(0)) AS zero', {
      ids,
    });
    if (text === undefined) throw new Error('expected the list to be inlined');
    const answer = JSON.parse((await session.queryAsync(text, { format: 'JSON' })).text()) as { data: unknown[] };
    expect(answer.data).toEqual([{ ids: ids.map(String), zero: 1 }]);
    const empty = inlineParams('SELECT length({ids:Array(UInt64)}) AS n', { ids: [] });
    expect(empty).toBe('SELECT length(CAST([] AS Array(UInt64))) AS n');
    expect(inlineParams('SELECT {ids:Array(UInt64)}', { ids: [-1n] })).toBeUndefined();
    expect(inlineParams('SELECT {ids:Array(UInt32)}', { ids: [4294967296n] })).toBeUndefined();
    expect(inlineParams('SELECT {ids:Array(UInt64)}', { ids: ['1); DROP'] })).toBeUndefined();
  });

  it('leaves a query to binding when a value does not fit its type, so nothing wraps', () => {
    expect(inlineParams('SELECT {a:UInt32}', { a: -1 })).toBeUndefined();
    expect(inlineParams('SELECT {a:UInt8}', { a: 256 })).toBeUndefined();
    expect(inlineParams('SELECT {a:UInt32}', { a: 1.5 })).toBeUndefined();
    expect(inlineParams('SELECT {a:UInt32}', { a: '12; DROP' })).toBeUndefined();
    expect(inlineParams('SELECT {a:String}', { a: 5 })).toBeUndefined();
    expect(inlineParams('SELECT {a:Array(String)}', { a: [1, 2] })).toBeUndefined();
  });

  it('leaves types it does not render, and names it was not given, to binding', () => {
    expect(inlineParams('SELECT * FROM {t:Identifier}', { t: 'events' })).toBeUndefined();
    expect(inlineParams("SELECT {t:DateTime64(3, 'UTC')}", { t: 0 })).toBeUndefined();
    expect(inlineParams('SELECT {missing:String}', {})).toBeUndefined();
    expect(inlineParams('SELECT 1', {})).toBe('SELECT 1');
  });

  it('binds a query with a placeholder in its SETTINGS clause, which takes only a bare literal', async () => {
    const sql = 'SELECT {n:UInt32} AS n SETTINGS max_threads = {threads:UInt64}';
    expect(inlineParams(sql, { n: 1, threads: 1 })).toBeUndefined();
    expect(inlineParams('SELECT {n:UInt32} AS n SETTINGS max_threads = 1', { n: 1 })).toBe(
      'SELECT CAST(1 AS UInt32) AS n SETTINGS max_threads = 1',
    );
    // What inlining would have written there is refused by the engine: the reason for the rule.
    await expect(
      session.queryAsync('SELECT 1 SETTINGS max_threads = CAST(1 AS UInt64)', { format: 'JSON' }),
    ).rejects.toThrow();
  });

  it('gets an engine error, not a wrapped number, when such a value is bound', async () => {
    await expect(session.queryBindAsync('SELECT {a:UInt32}', { a: -1 }, { format: 'JSON' })).rejects.toThrow();
  });
});
