import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  dropKeys,
  eventually,
  freePort,
  type RedisProcess,
  rawRedis,
  startRedisProcess,
  startSilentServer,
  TEST_REDIS_URL,
  testKeyPrefix,
} from './redis.fixture.js';
import { createRedisStateStore, DEFAULT_KEY_PREFIX, parseRedisUrl, type RedisStateStore } from './redis.js';
import { StateStoreUnavailableError } from './unavailable-error.js';

const PASSWORD = 'hunter2-correct-horse';

/** Stores opened by a test, closed after it (a failing test must not leave sockets or reconnect timers behind). */
const opened: RedisStateStore[] = [];
const prefixes: string[] = [];
const redisProcesses: RedisProcess[] = [];

function open(options: Partial<Parameters<typeof createRedisStateStore>[0]> = {}): RedisStateStore {
  const keyPrefix = options.keyPrefix ?? testKeyPrefix('redis');
  prefixes.push(keyPrefix);
  const store = createRedisStateStore({ url: TEST_REDIS_URL, ...options, keyPrefix });
  opened.push(store);
  return store;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: PromiseSettledResult<T> }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([work()]);
  return { ms: performance.now() - started, result: result as PromiseSettledResult<T> };
}

function rejection(settled: PromiseSettledResult<unknown>): unknown {
  if (settled.status === 'fulfilled') throw new Error(`expected a rejection, got ${String(settled.value)}`);
  return settled.reason;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await Promise.all(redisProcesses.splice(0).map((redis) => redis.stop()));
});

afterAll(async () => {
  for (const prefix of prefixes) await dropKeys(prefix);
});

describe('Redis state store: several nodes on one Redis', () => {
  it("lets two nodes see each other's keys, counters and deletions", async () => {
    const keyPrefix = testKeyPrefix('nodes');
    const nodeA = open({ keyPrefix });
    const nodeB = open({ keyPrefix });

    await nodeA.set('session:1:42', '{"pageviews":1}', 60_000);
    expect(await nodeB.get('session:1:42')).toBe('{"pageviews":1}');
    await nodeB.set('session:1:42', '{"pageviews":2}', 60_000);
    expect(await nodeA.get('session:1:42')).toBe('{"pageviews":2}');
    await nodeB.delete('session:1:42');
    expect(await nodeA.get('session:1:42')).toBeNull();

    // a rate limit counted on two nodes at once is one counter
    const counts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? nodeA : nodeB).increment('ratelimit:site:1', 60_000)),
    );
    expect(new Set(counts).size).toBe(200);
    expect(Math.max(...counts)).toBe(200);

    // a single-use token is used once, whichever nodes race for it
    await nodeA.set('mfa-challenge:abc', '7', 60_000);
    const taken = await Promise.all([nodeA, nodeB, nodeA, nodeB].map((node) => node.take('mfa-challenge:abc')));
    expect(taken.filter((value) => value !== null)).toEqual(['7']);
  });

  it('keeps installations with different key prefixes apart on one Redis database', async () => {
    const first = open();
    const second = open();
    await first.set('k', 'first', 60_000);
    await second.set('k', 'second', 60_000);
    expect(await first.get('k')).toBe('first');
    expect(await second.get('k')).toBe('second');
    await first.delete('k');
    expect(await second.get('k')).toBe('second');

    const raw = rawRedis();
    try {
      expect(await raw.get(`${second.keyPrefix}k`)).toBe('second');
      expect(await raw.exists(`${first.keyPrefix}k`, 'k')).toBe(0);
    } finally {
      raw.disconnect();
    }
  });

  it('prefixes keys with "sightline:" by default', async () => {
    const store = createRedisStateStore({ url: TEST_REDIS_URL });
    opened.push(store);
    const key = testKeyPrefix('default-prefix');
    const raw = rawRedis();
    try {
      await store.set(key, 'v', 5_000);
      expect(store.keyPrefix).toBe(DEFAULT_KEY_PREFIX);
      expect(await raw.get(`sightline:${key}`)).toBe('v');
    } finally {
      await raw.del(`sightline:${key}`);
      raw.disconnect();
    }
  });
});

describe('Redis state store: TTLs in Redis', () => {
  it('gives every key it writes a TTL, and increments never move a window end', async () => {
    const store = open();
    const raw = rawRedis();
    try {
      await store.set('set', 'v', 10_000);
      await store.setIfAbsent('absent', 'v', 10_000);
      expect(await store.increment('counter', 10_000)).toBe(1);
      await sleep(100);
      expect(await store.increment('counter', 10_000)).toBe(2);
      const ttls = {
        set: await raw.pttl(`${store.keyPrefix}set`),
        absent: await raw.pttl(`${store.keyPrefix}absent`),
        counter: await raw.pttl(`${store.keyPrefix}counter`),
      };
      expect(ttls.set).toBeGreaterThan(9_000);
      expect(ttls.set).toBeLessThanOrEqual(10_000);
      expect(ttls.absent).toBeGreaterThan(9_000);
      // the second increment, 100 ms later, left the window opened by the first one as it was
      expect(ttls.counter).toBeGreaterThan(0);
      expect(ttls.counter).toBeLessThanOrEqual(9_900);
    } finally {
      raw.disconnect();
    }
  });

  it('gives a counter found without a TTL one, so nothing it counts lives forever', async () => {
    const store = open();
    const raw = rawRedis();
    try {
      // e.g. written by hand by an operator
      await raw.set(`${store.keyPrefix}manual`, '5');
      expect(await store.increment('manual', 10_000)).toBe(6);
      const ttl = await raw.pttl(`${store.keyPrefix}manual`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);
    } finally {
      raw.disconnect();
    }
  });
});

describe('Redis state store: when Redis is not there', () => {
  it('rejects commands fast and clearly when nothing listens, without revealing the password', async () => {
    const port = await freePort();
    const store = open({ url: `redis://:${PASSWORD}@127.0.0.1:${port}/0`, commandTimeoutMs: 5_000 });

    const first = await timed(() => store.get('k'));
    const error = rejection(first.result);
    expect(error).toBeInstanceOf(StateStoreUnavailableError);
    expect(error).toMatchObject({ statusCode: 503, message: expect.stringMatching(/try again/) });
    expect((error as StateStoreUnavailableError).reason).toMatch(/no connection to Redis.*ECONNREFUSED/);
    // refused at once: not after the 5 s command timeout, nor after reconnect attempts
    expect(first.ms).toBeLessThan(1_000);

    // later calls do not queue behind reconnect attempts either
    const calls: Array<() => Promise<unknown>> = [
      () => store.set('k', 'v', 1_000),
      () => store.increment('k', 1_000),
      () => store.take('k'),
      () => store.delete('k'),
    ];
    for (const call of calls) {
      const later = await timed(call);
      expect(rejection(later.result)).toBeInstanceOf(StateStoreUnavailableError);
      // far below the command timeout; generous, so a busy machine does not fail it
      expect(later.ms).toBeLessThan(1_000);
    }

    const health = await store.health();
    expect(health).toMatchObject({ ok: false, engine: 'redis' });
    const connect = await timed(() => store.connect());
    expect(String(rejection(connect.result))).toMatch(/ECONNREFUSED/);
    for (const text of [String(error), JSON.stringify(error), (error as StateStoreUnavailableError).reason]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(health)).not.toContain(PASSWORD);

    const close = await timed(() => store.close());
    expect(close.ms).toBeLessThan(500);
    expect(rejection((await timed(() => store.get('k'))).result)).toBeInstanceOf(StateStoreUnavailableError);
  });

  it('rejects within the command timeout when Redis accepts connections but never answers', async () => {
    const silent = await startSilentServer();
    try {
      const store = open({ url: silent.url, commandTimeoutMs: 300 });
      const call = await timed(() => store.increment('k', 1_000));
      expect(rejection(call.result)).toBeInstanceOf(StateStoreUnavailableError);
      expect(call.ms).toBeGreaterThanOrEqual(250);
      expect(call.ms).toBeLessThan(1_500);
      expect((await store.health()).ok).toBe(false);
      const close = await timed(() => store.close());
      expect(close.ms).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });

  it('fails fast during an outage, tells the operator once, and recovers by itself when Redis is back', async () => {
    const redis = await startRedisProcess();
    redisProcesses.push(redis);
    const events: string[] = [];
    const store = open({
      url: redis.url,
      maxReconnectDelayMs: 200,
      onConnectionLost: (error) => events.push(`lost: ${error.message}`),
      onConnectionRestored: () => events.push('restored'),
    });
    await store.connect();
    await store.set('before', 'v', 60_000);

    await redis.stop();
    // the store notices the closed connection; every call then fails at once
    expect(await eventually(async () => !(await store.health()).ok, 2_000)).toBe(true);
    const during = await timed(() => store.get('before'));
    expect(rejection(during.result)).toBeInstanceOf(StateStoreUnavailableError);
    expect(during.ms).toBeLessThan(1_000);
    await sleep(1_000); // several reconnect attempts fail meanwhile
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^lost: /);

    await redis.start();
    expect(await eventually(async () => (await store.health()).ok, 5_000)).toBe(true);
    expect(events).toEqual([expect.stringMatching(/^lost: /), 'restored']);
    // (this Redis keeps nothing across restarts, so the old key is gone: the store works against the new server)
    expect(await store.get('before')).toBeNull();
    await store.set('after', 'v', 60_000);
    expect(await store.get('after')).toBe('v');
    expect(await store.increment('n', 60_000)).toBe(1);
  });

  it('reports a wrong password clearly, without the password', async () => {
    const redis = await startRedisProcess({ password: PASSWORD });
    redisProcesses.push(redis);
    const wrong = 'not-the-password-123';
    const store = open({ url: `redis://:${wrong}@127.0.0.1:${redis.port}` });
    const connect = await timed(() => store.connect());
    const message = String(rejection(connect.result));
    expect(message).toMatch(/WRONGPASS|invalid password|invalid username-password/i);
    expect(message).not.toContain(wrong);
    expect(connect.ms).toBeLessThan(2_000);

    const right = open({ url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}` });
    await right.connect();
    await right.set('k', 'v', 1_000);
    expect(await right.get('k')).toBe('v');
  });
});

describe('Redis state store: closing', () => {
  it('lets commands already sent finish before it disconnects', async () => {
    const store = open();
    await store.connect();
    const writes = Array.from({ length: 300 }, (_, i) => store.set(`w:${i}`, String(i), 60_000));
    await store.close();
    const settled = await Promise.allSettled(writes);
    expect(settled.filter((result) => result.status === 'rejected')).toEqual([]);
    const raw = rawRedis();
    try {
      expect(await raw.get(`${store.keyPrefix}w:299`)).toBe('299');
    } finally {
      raw.disconnect();
    }
    expect(await store.health()).toEqual({ ok: false, engine: 'redis', detail: 'closed' });
  });

  it('closes at once a store that never connected', async () => {
    const store = open();
    const close = await timed(() => store.close());
    expect(close.ms).toBeLessThan(1_000);
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(parseRedisUrl('redis://127.0.0.1').connection).toEqual({ host: '127.0.0.1', port: 6379, db: 0 });
    expect(parseRedisUrl('rediss://app:p%40ss%3Aword@cache.internal:6380/3').connection).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'app',
      password: 'p@ss:word',
      db: 3,
      tls: { servername: 'cache.internal' },
    });
    expect(parseRedisUrl('redis://[::1]:6379').connection.host).toBe('::1');
  });

  it('says what is wrong with a URL it cannot use, without repeating the URL', () => {
    const cases: Array<[string, RegExp]> = [
      ['not a url', /not a URL/],
      [`http://u:${PASSWORD}@host:6379`, /must start with redis:\/\/ or rediss:\/\//],
      [`redis://:${PASSWORD}@host:6379/cache`, /database number/],
      [`redis://:${PASSWORD}@host:6379?tls=true`, /query/],
    ];
    for (const [url, expected] of cases) {
      expect(() => parseRedisUrl(url)).toThrow(expected);
      try {
        parseRedisUrl(url);
      } catch (error) {
        expect(String(error)).not.toContain(PASSWORD);
      }
    }
  });
});
