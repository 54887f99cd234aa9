import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryStateStore } from './memory.js';
import { dropKeys, TEST_REDIS_URL, testKeyPrefix } from './redis.fixture.js';
import { createRedisStateStore } from './redis.js';
import { describeStateStoreContract } from './state-store.contract.fixture.js';

describeStateStoreContract('memory', async () => {
  let at = 1_700_000_000_000;
  const store = createMemoryStateStore({ now: () => at, sweepIntervalMs: 0 });
  return {
    store,
    wait: async (ms) => {
      at += ms;
    },
    cleanup: () => store.close(),
  };
});

describeStateStoreContract('redis', async () => {
  const keyPrefix = testKeyPrefix('contract');
  const store = createRedisStateStore({ url: TEST_REDIS_URL, keyPrefix });
  await store.connect();
  return {
    store,
    wait: (ms) => sleep(ms),
    cleanup: async () => {
      await store.close();
      await dropKeys(keyPrefix);
    },
  };
});
