import { Redis, type RedisOptions } from 'ioredis';
import type { StoreHealth } from '../events/event-store.js';
import type { StateStore } from './state-store.js';
import { checkStep, checkTtl } from './ttl.js';
import { StateStoreUnavailableError } from './unavailable-error.js';

export interface RedisStateStoreOptions {
  /**
   * `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS. It may hold a password: the store never
   * puts it in an error, a log line or a health detail.
   */
  url: string;
  /** Prepended to every key so Sightline can share a Redis database with other applications. Default `sightline:`. */
  keyPrefix?: string;
  /** A command without an answer after this rejects with StateStoreUnavailableError. Default 1,000 ms. */
  commandTimeoutMs?: number;
  /** One connection attempt (TCP, TLS, handshake) gives up after this. Default 3,000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect attempts back off exponentially from 50 ms up to this pause. Default 2,000 ms. */
  maxReconnectDelayMs?: number;
  /** Told once per outage (not once per reconnect attempt) that the connection failed, with why. */
  onConnectionLost?: (error: Error) => void;
  /** Told when the connection works again after an outage. */
  onConnectionRestored?: () => void;
}

export type RedisStateStore = Required<StateStore> & {
  /**
   * Connects now (instead of on the first command) and checks that Redis answers a PING. Rejects with an Error
   * whose message says why (refused, timed out, wrong password…), without the URL's password; the store keeps
   * trying to reconnect in the background until closed.
   */
  connect(): Promise<void>;
  readonly keyPrefix: string;
};

export const DEFAULT_KEY_PREFIX = 'sightline:';
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
/** close() waits this long for QUIT (which lets in-flight commands finish) before cutting the connection. */
const QUIT_TIMEOUT_MS = 1_000;
/** A live connection that owes replies and receives nothing for this long is dead: drop it and reconnect. */
const SOCKET_TIMEOUT_FACTOR = 3;
/** ioredis's message for a command that hit `commandTimeout`. */
const TIMEOUT_MESSAGE = 'Command timed out';

/**
 * Fixed-window counter in one atomic step. PEXPIRE only when the counter is new (or, defensively, has no TTL),
 * so later increments never move the window's end. A value that is not a counter starts a fresh window, as in
 * the in-process store, instead of failing.
 */
const INCREMENT_LUA = `
local count = redis.pcall('INCRBY', KEYS[1], ARGV[2])
if type(count) == 'table' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
  return tonumber(ARGV[2])
end
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`;

/** GET + DEL in one step (GETDEL needs Redis 6.2; a script works on every version with Lua). */
const TAKE_LUA = `
local value = redis.call('GET', KEYS[1])
if value then redis.call('DEL', KEYS[1]) end
return value
`;

/** SET … PX only while the key holds exactly the expected text (an absent key never matches). */
const COMPARE_AND_SET_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

interface ScriptCommands {
  sightlineIncrement(key: string, ttlMs: number, by: number): Promise<number>;
  sightlineTake(key: string): Promise<string | null>;
  sightlineCompareAndSet(key: string, expected: string, value: string, ttlMs: number): Promise<number>;
}

/**
 * The state store shared by several app nodes (DESIGN.md "The shape": Redis when several nodes run).
 *
 * Expiry is Redis's own (PX on every write, on the Redis server's clock), so an expired key reads as null on every
 * node at the same moment. Keys are `keyPrefix + key`; values are stored as given (UTF-8).
 *
 * Error semantics — a request must never hang on Redis:
 * - The connection opens lazily (first command, or `connect()`). Commands issued while that first attempt runs wait
 *   for it; after it, commands never queue: while Redis is unreachable they reject at once.
 * - Every command rejects after `commandTimeoutMs` at the latest (a hung or overloaded Redis).
 * - A command whose reply was lost with the connection rejects and is never re-sent (an increment must not count
 *   twice). So a rejected write may or may not have been applied.
 * - All of these reject with `StateStoreUnavailableError` (statusCode 503; `reason` says why). Callers decide:
 *   let it propagate (the client gets 503) or catch it and fail open. A bad TTL is a RangeError, as in memory.
 * - Reconnection runs in the background with exponential backoff capped at `maxReconnectDelayMs`, for as long as
 *   the store is open, so a node recovers by itself after a Redis restart. `close()` stops it.
 *
 * @example
 * const state = createRedisStateStore({ url: config.redisUrl, onConnectionLost: (err) => logger.warn({ err }, 'Redis lost') });
 * await state.connect(); // fail at start, not on the first visitor
 * const hits = await state.increment('ratelimit:site:1:28512345', 60_000);
 */
export function createRedisStateStore(options: RedisStateStoreOptions): RedisStateStore {
  const target = parseRedisUrl(options.url);
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const maxReconnectDelayMs = positive(
    'maxReconnectDelayMs',
    options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS,
  );
  const scrub = (text: string) => scrubSecrets(text, target.secrets);

  const client = new Redis({
    ...target.connection,
    lazyConnect: true,
    connectionName: 'sightline',
    // RESP2: every Redis version and managed service speaks it, and nothing here needs RESP3.
    protocol: 2,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    socketTimeout: commandTimeoutMs * SOCKET_TIMEOUT_FACTOR,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt - 1, 16), maxReconnectDelayMs),
    // Queue only during the very first connection attempt (lazy connect); switched off below once it settles.
    enableOfflineQueue: true,
    // 0: a connection loss rejects everything queued or in flight right away instead of holding it for retries.
    maxRetriesPerRequest: 0,
    // A reply lost with the connection may have been applied: re-sending could count an increment twice.
    autoResendUnfulfilledCommands: false,
    scripts: {
      sightlineIncrement: { numberOfKeys: 1, lua: INCREMENT_LUA },
      sightlineTake: { numberOfKeys: 1, lua: TAKE_LUA },
      sightlineCompareAndSet: { numberOfKeys: 1, lua: COMPARE_AND_SET_LUA },
    },
  });
  const scripts = client as unknown as ScriptCommands;

  let closing: Promise<void> | undefined;
  let inOutage = false;
  /** The latest connection-level error: why commands fail while there is no connection. */
  let lastConnectionError: Error | undefined;

  function stopQueueing(): void {
    client.options.enableOfflineQueue = false;
  }

  client.on('error', (error: Error) => {
    lastConnectionError = error;
  });
  client.on('close', () => {
    stopQueueing();
    if (closing !== undefined || inOutage) return;
    inOutage = true;
    options.onConnectionLost?.(new Error(scrub(lastConnectionError?.message ?? 'connection to Redis closed')));
  });
  client.on('ready', () => {
    stopQueueing();
    lastConnectionError = undefined;
    if (!inOutage) return;
    inOutage = false;
    options.onConnectionRestored?.();
  });

  function reasonFor(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (message === TIMEOUT_MESSAGE) {
      return client.status === 'ready'
        ? `Redis did not answer within ${commandTimeoutMs} ms`
        : `Redis accepted the connection but did not answer within ${commandTimeoutMs} ms`;
    }
    if (client.status !== 'ready') {
      // ioredis's own message here ("Stream isn't writeable…") says less than the error that broke the connection
      return scrub(`no connection to Redis: ${lastConnectionError?.message ?? `connection ${client.status}`}`);
    }
    return scrub(`Redis: ${message}`);
  }

  async function run<T>(command: () => Promise<T>): Promise<T> {
    if (closing !== undefined) throw new StateStoreUnavailableError('the state store is closed');
    try {
      return await command();
    } catch (error) {
      // while disconnected, ioredis's own error ("max retries…", "Stream isn't writeable…") hides the real one
      const cause = client.status !== 'ready' && lastConnectionError !== undefined ? lastConnectionError : error;
      throw new StateStoreUnavailableError(reasonFor(error), { cause });
    }
  }

  const prefixed = (key: string) => keyPrefix + key;
  // PX takes whole milliseconds; rounding up never expires a key before the caller's TTL.
  const pxFor = (ttlMs: number) => Math.ceil(ttlMs);

  return {
    distributed: true,
    keyPrefix,

    get(key) {
      return run(() => client.get(prefixed(key)));
    },

    async set(key, value, ttlMs) {
      checkTtl(ttlMs);
      await run(() => client.set(prefixed(key), value, 'PX', pxFor(ttlMs)));
    },

    async delete(key) {
      await run(() => client.del(prefixed(key)));
    },

    async increment(key, ttlMs, by = 1) {
      checkTtl(ttlMs);
      checkStep(by);
      return Number(await run(() => scripts.sightlineIncrement(prefixed(key), pxFor(ttlMs), by)));
    },

    take(key) {
      return run(() => scripts.sightlineTake(prefixed(key)));
    },

    async setIfAbsent(key, value, ttlMs) {
      checkTtl(ttlMs);
      return (await run(() => client.set(prefixed(key), value, 'PX', pxFor(ttlMs), 'NX'))) === 'OK';
    },

    async compareAndSet(key, expected, value, ttlMs) {
      checkTtl(ttlMs);
      const written = await run(() => scripts.sightlineCompareAndSet(prefixed(key), expected, value, pxFor(ttlMs)));
      return Number(written) === 1;
    },

    async connect() {
      if (closing !== undefined) throw new Error('the state store is closed');
      if (client.status !== 'ready') await untilReady();
      try {
        await client.ping();
      } catch (error) {
        throw new Error(reasonFor(error), { cause: error });
      }
    },

    async health(): Promise<StoreHealth> {
      if (closing !== undefined) return { ok: false, engine: 'redis', detail: 'closed' };
      try {
        await run(() => client.ping());
        return { ok: true, engine: 'redis' };
      } catch {
        // /health is public: say which kind of failure, not hosts or addresses (those go to the logs).
        const detail =
          client.status === 'ready' ? `no answer within ${commandTimeoutMs} ms` : `not connected (${client.status})`;
        return { ok: false, engine: 'redis', detail };
      }
    },

    close() {
      closing ??= (async () => {
        if (client.status === 'ready') {
          // QUIT is answered after every command sent before it, so in-flight writes finish first.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            client.quit().catch(() => undefined),
            new Promise((resolve) => {
              timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
            }),
          ]);
          clearTimeout(timer);
        }
        // Also stops a pending reconnect attempt; a no-op once QUIT has closed the connection.
        client.disconnect();
      })();
      return closing;
    },
  };

  /** Waits for the connection to become ready, or rejects on the first failure of this attempt. */
  function untilReady(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new Error(`Redis did not become ready within ${connectTimeoutMs} ms`)),
        // the handshake (AUTH, SELECT, ready check) runs after the TCP connect, with its own command timeout
        connectTimeoutMs + commandTimeoutMs,
      );
      const onReady = () => settle();
      const onError = (error: Error) => settle(new Error(reasonFor(error), { cause: error }));
      const onEnd = () => settle(new Error(scrub(lastConnectionError?.message ?? 'connection to Redis closed')));
      function settle(error?: Error): void {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('end', onEnd);
        if (error === undefined) resolve();
        else reject(error);
      }
      client.on('ready', onReady);
      client.on('error', onError);
      client.on('end', onEnd);
      if (client.status === 'wait') client.connect().catch(() => undefined);
    });
  }
}

interface RedisTarget {
  connection: Pick<RedisOptions, 'host' | 'port' | 'username' | 'password' | 'db' | 'tls'>;
  /** Credential text that must never appear in an error or log line. */
  secrets: string[];
}

/**
 * Parses a Redis URL into connection options. Errors name what is wrong, never the URL (it may hold a password).
 * Exported for tests and for the composition root's messages.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new TypeError('the Redis URL is not a URL; expected redis://[user:password@]host[:port][/db]');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(
      `the Redis URL must start with redis:// or rediss:// (TLS), not ${parsed.protocol.slice(0, 20)}//`,
    );
  }
  if (parsed.hostname === '') throw new TypeError('the Redis URL names no host; expected redis://host[:port][/db]');
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new TypeError('the Redis URL must not carry ?query or #fragment options; use redis://host[:port][/db]');
  }
  const dbText = parsed.pathname.replace(/^\/+/, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) {
    throw new TypeError('the Redis URL path must be a database number, e.g. redis://host:6379/0');
  }
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    connection: {
      host,
      port: parsed.port === '' ? 6379 : Number(parsed.port),
      ...(username !== '' && { username }),
      ...(password !== '' && { password }),
      db: dbText === '' ? 0 : Number(dbText),
      ...(parsed.protocol === 'rediss:' && { tls: { servername: host } }),
    },
    // (a credential this short cannot be told apart from ordinary text; Redis never echoes one back anyway)
    secrets: [parsed.password, password, parsed.username, username].filter((secret) => secret.length >= 4),
  };
}

/** The URL without credentials, for messages: `redis://host:port/db`. Never throws. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(an unparseable URL)';
  }
}

function scrubSecrets(text: string, secrets: readonly string[]): string {
  let clean = text.replace(/\/\/[^/@\s]*@/g, '//');
  for (const secret of secrets) clean = clean.split(secret).join('[redacted]');
  return clean;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
