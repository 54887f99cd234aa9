import { createMemoryStateStore } from './memory.js';
import type { StateStore } from './state-store.js';

export { createMemoryStateStore, type MemoryStateStoreOptions } from './memory.js';
export type { StateStore } from './state-store.js';

export interface StateStoreOptions {
  /** `REDIS_URL`: unset means the in-process store. */
  redisUrl?: string;
  /** Hard cap on keys of the in-process store. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Picks the state store adapter (called only by the composition root).
 *
 * @example
 * const state = createStateStore({ redisUrl: config.redisUrl });
 */
export function createStateStore(options: StateStoreOptions = {}): StateStore {
  if (options.redisUrl !== undefined && options.redisUrl.trim() !== '') {
    throw new Error('Redis state store arrives with the multi-node work; unset REDIS_URL');
  }
  return createMemoryStateStore({
    ...(options.maxKeys !== undefined && { maxKeys: options.maxKeys }),
    ...(options.now !== undefined && { now: options.now }),
  });
}
