import type { EventStore } from '../storage/events/event-store.js';
import type { FinishVisitsReport } from '../storage/events/finished-visits.js';
import type { StateStore } from '../storage/state/state-store.js';

/**
 * The scheduled side of finished visits (storage/events/finished-visits.ts): every minute, one node writes the final
 * rows of visits that stopped growing and rebuilds those late events reached. Stats stay exact whether or not it runs;
 * it only keeps dashboards fast.
 */

/** How often the job runs: the watermark follows the clock within a minute. */
export const FINISH_VISITS_INTERVAL_MS = 60_000;

/**
 * The lease one node holds while it runs: renewed between the steps of a long catch-up (an import), and long enough
 * that no step outlasts it. Two runs at once could write a visit twice.
 */
const LEASE_MS = 15 * 60_000;
const LEASE_KEY = 'jobs:finish-visits:lease';

/**
 * Runs the finishing job once if no other node holds the lease. Returns the report, or `undefined` when another node
 * is running it.
 */
export async function finishVisitsOnce(deps: {
  events: Pick<EventStore, 'finishVisits'>;
  state: Pick<StateStore, 'increment' | 'set' | 'delete'>;
}): Promise<FinishVisitsReport | undefined> {
  // The first increment of a fresh key returns 1: that node holds the lease until it deletes the key or it expires.
  if ((await deps.state.increment(LEASE_KEY, LEASE_MS)) !== 1) return undefined;
  try {
    return await deps.events.finishVisits({ onStep: () => deps.state.set(LEASE_KEY, '1', LEASE_MS) });
  } finally {
    await deps.state.delete(LEASE_KEY);
  }
}
