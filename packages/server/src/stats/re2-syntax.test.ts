import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChdbEventStore } from '../storage/events/chdb.js';
import type { EventStore } from '../storage/events/event-store.js';
import { parseStatsQuery, StatsQueryError } from './query.js';
import { re2SyntaxProblem } from './re2-syntax.js';

/** Patterns JavaScript parses that RE2 (the engine) refuses, each with the problem the check names. */
const REFUSED: [string, RegExp][] = [
  ['\\Z', /escape \\Z/],
  ['^/blog\\u0041', /escape \\u/],
  ['\\cA', /escape \\c/],
  ['\\k<n>', /escape \\k/],
  ['\\x4', /two hex digits/],
  ['a{1001}', /above 1000/],
  ['(a{100}){20}', /multiply beyond 1000/],
  ['[a-\\d]', /range cannot end/],
  ['[[:nope:]]', /not a POSIX class/],
  ['[>-\\a]', /escape \\a/],
  ['(\\d[[:alpha:])!]', /parentheses do not pair/],
  ['\\p{L}{500}', /Unicode classes/],
  ['\\p{Klingon}', /Unicode class "Klingon"/],
  ['\ud800x', /unpaired surrogate/],
];

/** Ordinary patterns people write, which must keep working. */
const ACCEPTED = [
  '^/blog/.*$',
  '^/(en|de)/pricing/?$',
  '\\.pdf$',
  '^/docs/[a-z0-9_-]+/[0-9]{1,4}$',
  '[[:alpha:]]+',
  '(?:foo|bar)baz',
  '(?<lang>[a-z]{2})/',
  '(?P<lang>[a-z]{2})/',
  '\\bword\\b',
  '\\p{L}+\\d*',
  '\\p{Greek}',
  '[\\w.-]+@',
  '[\\w-.]+@',
  '[a-c-e]',
  'a{2,}b{0,1000}',
  '\\x41\\a\\0\\ \\/',
  '{not a repeat}',
  '[\\p{L}\\d]{300}',
];

let dataDir: string;
let store: EventStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-re2-'));
  store = createChdbEventStore({ dataDir, database: 'stats_test_re2', readers: 1 });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Whether the engine compiles the pattern (also case-insensitively, as filters with case_sensitive false run it). */
async function engineAccepts(pattern: string): Promise<boolean> {
  for (const variant of [pattern, `(?i)${pattern}`]) {
    try {
      await store.query("SELECT match('abc', {p:String}) AS m", { p: variant });
    } catch {
      // A failed query leaves its partial output on the chDB Session; clear it before the next check.
      await store.query('SELECT 1').catch(() => undefined);
      return false;
    }
  }
  return true;
}

describe('re2SyntaxProblem', () => {
  it('names the problem of every pattern RE2 would refuse, and the engine agrees', async () => {
    for (const [pattern, problem] of REFUSED) {
      expect(() => new RegExp(pattern), pattern).not.toThrow();
      expect(re2SyntaxProblem(pattern), pattern).toMatch(problem);
      if (!pattern.startsWith('\ud800')) expect(await engineAccepts(pattern), pattern).toBe(false);
    }
  });

  it('refuses a class that starts with ], which the two engines read differently', () => {
    expect(re2SyntaxProblem('[]a]')).toMatch(/empty class/);
    expect(re2SyntaxProblem('[^]a]')).toMatch(/empty class/);
  });

  it('accepts the patterns people write, which the engine compiles', async () => {
    for (const pattern of ACCEPTED) {
      expect(re2SyntaxProblem(pattern), pattern).toBeUndefined();
      expect(await engineAccepts(pattern), pattern).toBe(true);
    }
  });

  it('makes a query with such a pattern a StatsQueryError naming the filter', () => {
    const parse = () =>
      parseStatsQuery({
        site_id: 'example.com',
        metrics: ['visitors'],
        date_range: '7d',
        filters: [['matches', 'event:page', ['^/ok$', '\\Z']]],
      });
    expect(parse).toThrow(StatsQueryError);
    expect(parse).toThrow(/filters\[0\]\[2\]\[1\]: "\\\\Z" cannot be used: the escape \\Z is not supported/);
  });
});
