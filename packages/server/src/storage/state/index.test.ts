import { afterAll, describe, expect, it } from 'vitest';
import { createStateStore, openStateStore } from './index.js';
import { dropKeys, freePort, TEST_REDIS_URL, testKeyPrefix } from './redis.fixture.js';

const PASSWORD = 'hunter2-correct-horse';
const prefix = testKeyPrefix('index');

afterAll(() => dropKeys(prefix));

describe('choosing the state store', () => {
  it('keeps state in the process when REDIS_URL is unset or blank', async () => {
    for (const redisUrl of [undefined, '', '  ']) {
      const state = await openStateStore({ redisUrl });
      await state.set('k', 'v', 1_000);
      expect(await state.get('k')).toBe('v');
      expect(await state.health?.()).toEqual({ ok: true, engine: 'memory' });
      await state.close();
    }
  });

  it('uses Redis when REDIS_URL is set, shared by every store opened on it', async () => {
    const nodeA = await openStateStore({ redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix });
    const nodeB = createStateStore({ redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix });
    try {
      await nodeA.set('shared', 'from A', 60_000);
      // createStateStore connects on first use
      expect(await nodeB.get('shared')).toBe('from A');
      expect(await nodeA.health?.()).toEqual({ ok: true, engine: 'redis' });
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  it('refuses to start with a Redis it cannot reach, naming REDIS_URL and where it points but not the password', async () => {
    const port = await freePort();
    const started = performance.now();
    const opening = openStateStore({ redisUrl: `redis://:${PASSWORD}@127.0.0.1:${port}/2` });
    await expect(opening).rejects.toThrow(
      new RegExp(`redis://127\\.0\\.0\\.1:${port}/2 \\(REDIS_URL\\).*ECONNREFUSED.*unset REDIS_URL`),
    );
    await expect(opening).rejects.not.toThrow(PASSWORD);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('says which part of an unusable REDIS_URL is wrong, without repeating it', async () => {
    const url = `https://admin:${PASSWORD}@cache:6379`;
    expect(() => createStateStore({ redisUrl: url })).toThrow(/REDIS_URL is not usable: .*redis:\/\/ or rediss:\/\//);
    await expect(openStateStore({ redisUrl: url })).rejects.toThrow(/REDIS_URL/);
    await expect(openStateStore({ redisUrl: url })).rejects.not.toThrow(PASSWORD);
  });
});
