import type { EventRow } from '../../domain/event.js';
import type { SessionTracker } from '../sessions.js';
import { type Drop, drop } from './draft.js';
import type { VisitorIds } from './visitor-id.js';

/**
 * Step 11, session: continues or starts the visitor's session and stamps its ids on the row. A visit that
 * started before midnight keeps the visitor id it started with, so it stays one visitor and one session.
 */
export async function sessionStep(row: EventRow, ids: VisitorIds, sessions: SessionTracker): Promise<Drop | undefined> {
  const outcome = await sessions.track({
    siteId: row.site_id,
    visitorId: ids.visitorId,
    // Always present (maybe undefined) rather than spread in: one object shape per event, no spread per event.
    previousVisitorId: ids.previousVisitorId,
    ts: row.ts,
    name: row.name,
    pathname: row.pathname,
    interactive: row.interactive === 1,
  });
  if (!outcome.ok) {
    // Plausible drops these too: the pageview they report on is over 30 minutes old, its visit has ended.
    return drop('no_session', 'engagement event without an active session (no pageview in the last 30 minutes)');
  }
  row.visitor_id = outcome.session.visitorId;
  row.session_id = outcome.session.sessionId;
  return undefined;
}
