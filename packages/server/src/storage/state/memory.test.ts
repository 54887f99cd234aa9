import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStateStore } from './memory.js';

function fakeClock(start = 1_700_000_000_000) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms;
    },
  };
}

describe('memory state store', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns a value until its TTL passes, then forgets it', async () => {
    const clock = fakeClock();
    const state = createMemoryStateStore({ now: clock.now, sweepIntervalMs: 0 });
    await state.set('session:1:42', 'open', 1_000);
    clock.advance(999);
    expect(await state.get('session:1:42')).toBe('open');
    clock.advance(1);
    expect(await state.get('session:1:42')).toBeNull();
    expect(state.size).toBe(0);
    await state.close();
  });

  it('overwriting a key restarts its TTL', async () => {
    const clock = fakeClock();
    const state = createMemoryStateStore({ now: clock.now, sweepIntervalMs: 0 });
    await state.set('k', 'a', 1_000);
    clock.advance(800);
    await state.set('k', 'b', 1_000);
    clock.advance(800);
    expect(await state.get('k')).toBe('b');
    await state.close();
  });

  it('deletes keys', async () => {
    const state = createMemoryStateStore({ sweepIntervalMs: 0 });
    await state.set('k', 'v', 60_000);
    await state.delete('k');
    await state.delete('never-set');
    expect(await state.get('k')).toBeNull();
    await state.close();
  });

  it('counts in a fixed window: increments keep the first TTL, then the counter restarts', async () => {
    const clock = fakeClock();
    const state = createMemoryStateStore({ now: clock.now, sweepIntervalMs: 0 });
    expect(await state.increment('rl', 1_000)).toBe(1);
    clock.advance(600);
    expect(await state.increment('rl', 1_000)).toBe(2);
    clock.advance(399);
    expect(await state.increment('rl', 1_000)).toBe(3);
    clock.advance(1);
    // the window opened by the first increment has ended, even though the last increment was 1 ms ago
    expect(await state.increment('rl', 1_000)).toBe(1);
    await state.close();
  });

  it('treats a non-numeric value as a fresh counter instead of failing', async () => {
    const state = createMemoryStateStore({ sweepIntervalMs: 0 });
    await state.set('k', 'not a number', 60_000);
    expect(await state.increment('k', 60_000)).toBe(1);
    await state.close();
  });

  it('rejects a TTL that is not a positive number of milliseconds', async () => {
    const state = createMemoryStateStore({ sweepIntervalMs: 0 });
    await expect(state.set('k', 'v', 0)).rejects.toThrow(RangeError);
    await expect(state.increment('k', Number.NaN)).rejects.toThrow(RangeError);
    await state.close();
  });

  it('stays within maxKeys by evicting the least recently written keys', async () => {
    const state = createMemoryStateStore({ maxKeys: 3, sweepIntervalMs: 0 });
    await state.set('a', '1', 60_000);
    await state.set('b', '2', 60_000);
    await state.set('c', '3', 60_000);
    await state.set('a', '1 again', 60_000); // rewriting makes `a` the newest
    await state.set('d', '4', 60_000);
    expect(state.size).toBe(3);
    expect(await state.get('b')).toBeNull();
    expect(await state.get('a')).toBe('1 again');
    expect(await state.get('c')).toBe('3');
    expect(await state.get('d')).toBe('4');

    for (let i = 0; i < 1_000; i++) await state.increment(`rl:${i}`, 60_000);
    expect(state.size).toBe(3);
    await state.close();
  });

  it('sweeps expired keys that nobody reads again, and close() stops the sweep', async () => {
    vi.useFakeTimers();
    const clock = fakeClock();
    const state = createMemoryStateStore({ now: clock.now, sweepIntervalMs: 1_000 });
    await state.set('short', 'x', 500);
    await state.set('long', 'y', 5_000);
    clock.advance(1_000);
    vi.advanceTimersByTime(1_000);
    expect(state.size).toBe(1);
    await state.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses a maxKeys that cannot hold anything', () => {
    expect(() => createMemoryStateStore({ maxKeys: 0 })).toThrow(RangeError);
  });
});
