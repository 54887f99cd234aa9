import { describe, expect, it } from 'vitest';
import { HttpError } from '../http/errors.js';
import { createMemoryStateStore } from '../storage/state/memory.js';
import { clientKey, createIpThrottle } from './ip-throttle.js';

describe('createIpThrottle', () => {
  function setup(limitPerMinute: number, start = Date.UTC(2025, 0, 1, 12, 0, 10)) {
    let now = start;
    const state = createMemoryStateStore({ now: () => now, sweepIntervalMs: 0 });
    const throttle = createIpThrottle({ state, limitPerMinute, now: () => now, scope: 'test' });
    return { throttle, advance: (ms: number) => (now += ms) };
  }

  it('allows the budget, then answers 429 with the seconds left in the minute', async () => {
    const { throttle } = setup(3);
    for (let i = 0; i < 3; i++) await throttle.hit('203.0.113.7');
    const error = await throttle.hit('203.0.113.7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(429);
    expect((error as HttpError).headers['retry-after']).toBe('50');
  });

  it('keeps clients apart and starts a fresh budget in the next minute', async () => {
    const { throttle, advance } = setup(1);
    await throttle.hit('203.0.113.7');
    await throttle.hit('203.0.113.8');
    await expect(throttle.hit('203.0.113.7')).rejects.toMatchObject({ statusCode: 429 });
    advance(50_000);
    await throttle.hit('203.0.113.7');
  });

  it('counts a whole IPv6 /64 as one client', async () => {
    const { throttle } = setup(2);
    await throttle.hit('2001:db8:1:2::1');
    await throttle.hit('2001:db8:1:2:ffff::9');
    await expect(throttle.hit('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).rejects.toMatchObject({ statusCode: 429 });
    await throttle.hit('2001:db8:1:3::1');
  });

  it('is off at 0', async () => {
    const { throttle } = setup(0);
    for (let i = 0; i < 100; i++) await throttle.hit('203.0.113.7');
  });
});

describe('clientKey', () => {
  it('reads IPv4, IPv4-mapped IPv6 and IPv6 networks', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:DB8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });
});
