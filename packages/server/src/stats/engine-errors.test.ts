import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChdbEventStore } from '../storage/events/chdb.js';
import type { EventStore } from '../storage/events/event-store.js';
import { statsInputErrorOf } from './engine-errors.js';
import { StatsQueryError } from './query.js';

let dataDir: string;
let store: EventStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sightline-engine-errors-'));
  store = createChdbEventStore({ dataDir, database: 'stats_test_engine_errors', readers: 1 });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The engine's own error for a pattern (query.ts refuses these before they get here; this is the safety net). */
async function engineErrorFor(pattern: string): Promise<unknown> {
  try {
    await store.query("SELECT match('/blog', {p:String}) AS m", { p: pattern });
    return undefined;
  } catch (error) {
    // A failed query leaves its partial output on the chDB Session; clear it before the next check.
    await store.query('SELECT 1').catch(() => undefined);
    return error;
  }
}

describe('statsInputErrorOf', () => {
  it('turns patterns the engine cannot compile into a message naming the problem', async () => {
    for (const [pattern, reason] of [
      ['\\Z', 'invalid escape sequence: \\Z'],
      ['a{1001}', 'invalid repetition size: {1001}'],
      ['\\p{L}{900}', 'pattern too large - compile failed'],
    ] as const) {
      const engineError = await engineErrorFor(pattern);
      expect(engineError, pattern).toBeInstanceOf(Error);
      const mapped = statsInputErrorOf(engineError);
      expect(mapped).toBeInstanceOf(StatsQueryError);
      expect(mapped!.message).toContain('cannot be compiled by the query engine (RE2: ');
      expect(mapped!.message).toContain(reason);
      expect(mapped!.message).not.toMatch(/DB::Exception|Code: 427/);
    }
  });

  it('leaves genuine server errors alone and passes StatsQueryErrors through', async () => {
    expect(statsInputErrorOf(new Error('Code: 241. DB::Exception: Memory limit exceeded'))).toBeUndefined();
    expect(statsInputErrorOf('weird')).toBeUndefined();
    const own = new StatsQueryError('bad');
    expect(statsInputErrorOf(own)).toBe(own);
    expect(await engineErrorFor('^/blog(/.*)?$')).toBeUndefined();
  });
});
