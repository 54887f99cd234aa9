import { afterAll, describe, expect, it } from 'vitest';
import { dropKeys, TEST_REDIS_URL, testKeyPrefix } from '../storage/state/redis.fixture.js';
import { createRedisStateStore } from '../storage/state/redis.js';
import { createSessionTracker } from './sessions.js';

/** Two app nodes sharing one Redis: the same visitor's requests land on both at the same instant. */
describe('visitor sessions shared by several nodes (Redis)', () => {
  const prefix = testKeyPrefix('sessions');
  const nodes = [0, 1].map(() => createRedisStateStore({ url: TEST_REDIS_URL, keyPrefix: prefix }));

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await dropKeys(prefix);
  });

  it('neither splits a visit nor loses a pageview when two nodes track one visitor at once', async () => {
    const trackers = nodes.map((state) => createSessionTracker({ state, clock: Date.now }));
    // Both connections up first, so the two nodes' reads really do overlap.
    await Promise.all(nodes.map((node) => node.get('warm-up')));
    const visitors = 100;
    const start = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: visitors }, (_, v) =>
        Promise.all(
          trackers.map((tracker, node) =>
            tracker.track({
              siteId: 1,
              visitorId: String(1000 + v),
              ts: start + node,
              name: 'pageview',
              pathname: `/node-${node}`,
              interactive: true,
            }),
          ),
        ),
      ),
    );
    let split = 0;
    for (const [a, b] of outcomes) {
      if (!a?.ok || !b?.ok) throw new Error('a pageview found no session');
      if (a.session.sessionId !== b.session.sessionId) split++;
    }
    expect(split).toBe(0);
    const stored = await Promise.all(
      Array.from({ length: visitors }, (_, v) => nodes[0]!.get(`session:1:${1000 + v}`)),
    );
    // Each visit holds both pageviews: a lost update would leave 1.
    expect(stored.map((text) => JSON.parse(text ?? '{}').pageviews)).toEqual(Array(visitors).fill(2));
  });
});
