import { createMemoryStateStore } from './memory.js';
import { createRedisStateStore, describeRedisUrl, type RedisStateStore } from './redis.js';
import type { StateStore } from './state-store.js';

export { createMemoryStateStore, type MemoryStateStore, type MemoryStateStoreOptions } from './memory.js';
export { createRedisStateStore, type RedisStateStore, type RedisStateStoreOptions } from './redis.js';
export type { StateStore } from './state-store.js';
export { StateStoreUnavailableError } from './unavailable-error.js';

export interface StateStoreOptions {
  /** `REDIS_URL`: unset means the in-process store. */
  redisUrl?: string;
  /** Redis only: prepended to every key (default `sightline:`), so one Redis database can serve several apps. */
  redisKeyPrefix?: string;
  /** In-process store only: hard cap on keys. */
  maxKeys?: number;
  /** In-process store only: Redis expires keys on its own clock, which no injected clock can move. */
  now?: () => number;
  /** Redis only: told once per outage that the connection failed (the reason never holds the password). */
  onConnectionLost?: (error: Error) => void;
  /** Redis only: told when the connection works again. */
  onConnectionRestored?: () => void;
}

/**
 * Picks the state store adapter (called only by the composition root). Redis connects on first use; prefer
 * `openStateStore`, which also checks at start that Redis answers.
 *
 * @example
 * const state = createStateStore({ redisUrl: config.redisUrl });
 */
export function createStateStore(options: StateStoreOptions = {}): StateStore {
  const redisUrl = options.redisUrl?.trim() ?? '';
  if (redisUrl !== '') return createRedis(redisUrl, options);
  return createMemoryStateStore({
    ...(options.maxKeys !== undefined && { maxKeys: options.maxKeys }),
    ...(options.now !== undefined && { now: options.now }),
  });
}

/**
 * Opens the state store and, for Redis, checks that it answers a PING, so a wrong or unreachable REDIS_URL stops
 * the start with a message that says what to fix (never the password) instead of failing visitor requests later.
 *
 * @example
 * const state = await openStateStore({ redisUrl: config.redisUrl });
 */
export async function openStateStore(options: StateStoreOptions = {}): Promise<StateStore> {
  const redisUrl = options.redisUrl?.trim() ?? '';
  if (redisUrl === '') return createStateStore(options);
  const state = createRedis(redisUrl, options);
  try {
    await state.connect();
  } catch (error) {
    await state.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot use the Redis state store at ${describeRedisUrl(redisUrl)} (REDIS_URL): ${reason}. ` +
        'Check that Redis runs and that REDIS_URL (host, port, password, database) is right, ' +
        'or unset REDIS_URL to keep state in this process (single node only).',
    );
  }
  return state;
}

function createRedis(redisUrl: string, options: StateStoreOptions): RedisStateStore {
  try {
    return createRedisStateStore({
      url: redisUrl,
      ...(options.redisKeyPrefix !== undefined && { keyPrefix: options.redisKeyPrefix }),
      ...(options.onConnectionLost !== undefined && { onConnectionLost: options.onConnectionLost }),
      ...(options.onConnectionRestored !== undefined && { onConnectionRestored: options.onConnectionRestored }),
    });
  } catch (error) {
    // parseRedisUrl's messages never quote the URL; here they gain the setting's name
    throw new Error(`REDIS_URL is not usable: ${error instanceof Error ? error.message : String(error)}`);
  }
}
