import { describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../storage/state/memory.js';
import { finishVisitsOnce } from './finish-visits.js';

describe('finishVisitsOnce', () => {
  it('runs on one node at a time: a second caller finds the lease taken', async () => {
    const state = createMemoryStateStore();
    let release: () => void = () => {};
    let runs = 0;
    const events = {
      finishVisits: async () => {
        runs++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { finishedBefore: 0, rebuiltDays: 0, replacedRows: false };
      },
    };
    const first = finishVisitsOnce({ events, state });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await finishVisitsOnce({ events, state })).toBeUndefined();
    release();
    expect(await first).toEqual({ finishedBefore: 0, rebuiltDays: 0, replacedRows: false });
    // Released: the next run goes ahead.
    const next = finishVisitsOnce({ events, state });
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await next;
    expect(runs).toBe(2);
    await state.close();
  });
});
