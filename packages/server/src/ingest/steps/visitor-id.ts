import { visitorIdFor } from '../../domain/visitor-id.js';
import { utcDay } from '../../jobs/salt-rotation.js';
import type { Client, EventDraft } from './draft.js';

/** The slice of the salt service the pipeline reads (jobs/salt-rotation.ts). */
export interface SaltSource {
  /** Today's salt (created if missing), yesterday's while it exists, otherwise undefined. */
  saltFor(day: string): Promise<Buffer | undefined>;
}

/** Per-import random salts for historical days (ingest/importer.ts `createImportSalts`). */
export type ImportSalts = (day: string) => Buffer;

export interface EventSalts {
  /** Salt of the event's UTC day. */
  current: Buffer;
  /** Salt of the day before, while it exists: finds a visit that started before midnight. */
  previous?: Buffer;
}

export interface VisitorIds {
  visitorId: string;
  /** Computed on demand (see SessionEvent.previousVisitorId). */
  previousVisitorId?: () => string;
}

const DAY_MS = 86_400_000;

/**
 * Step 10, visitor id (part 1): the salts an event is hashed with. Salts are per UTC day of the event (DESIGN.md
 * "Privacy"). Imports use their own random per-day salts, because real salts of past days no longer exist. An API
 * event backdated past yesterday has no salt of its day either; it is hashed with today's, which keeps it
 * anonymous at the price of not joining that day's other events.
 *
 * Throws only when even today's salt cannot be had: the metadata store is down, which is an outage, not bad input.
 */
export async function saltsForEvent(
  draft: EventDraft,
  salts: SaltSource,
  importSalts?: ImportSalts,
): Promise<EventSalts> {
  const day = utcDay(draft.row.ts);
  const dayBefore = utcDay(draft.row.ts - DAY_MS);
  if (draft.ctx.source === 'import' && importSalts !== undefined) {
    return { current: importSalts(day), previous: importSalts(dayBefore) };
  }
  const current = await salts.saltFor(day);
  if (current !== undefined) {
    const previous = await salts.saltFor(dayBefore);
    return previous === undefined ? { current } : { current, previous };
  }
  const today = await salts.saltFor(utcDay(draft.ctx.receivedAt));
  if (today === undefined) throw new Error(`No visitor-id salt is available for ${utcDay(draft.ctx.receivedAt)}`);
  return { current: today };
}

/** Step 10, visitor id (part 2): the visitor's ids for one site. */
export function visitorIdsFor(eventSalts: EventSalts, siteId: number, client: Client): VisitorIds {
  const visitorId = visitorIdFor(eventSalts.current, siteId, client.ip, client.userAgent);
  if (eventSalts.previous === undefined) return { visitorId };
  const previous = eventSalts.previous;
  let previousVisitorId: string | undefined;
  return {
    visitorId,
    previousVisitorId: () => {
      previousVisitorId ??= visitorIdFor(previous, siteId, client.ip, client.userAgent);
      return previousVisitorId;
    },
  };
}
