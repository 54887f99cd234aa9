/**
 * One row of the event table (DESIGN.md, "Event model"). This is the shape that the ingest pipeline produces,
 * the journal persists, and the event store inserts. Field names match the ClickHouse columns exactly so a row
 * serialises to JSONEachRow without a mapping step.
 *
 * Invariants (enforced by validation before a row exists; ClickHouse wraps overflowing integers silently):
 * - `ts` is epoch milliseconds, UTC.
 * - `visitor_id` / `session_id` are unsigned 64-bit integers as decimal strings (JS numbers lose precision).
 * - UInt16 fields (screen/viewport sizes) are 0..65535, `scroll_depth` 0..100, UInt8 flags are 0 or 1.
 * - `revenue_amount` is a decimal string or null.
 */
export interface EventRow {
  site_id: number;
  ts: number;
  event_id: string;
  name: string;
  visitor_id: string;
  session_id: string;
  user_id: string;
  hostname: string;
  pathname: string;
  query: string;
  hash: string;
  title: string;
  referrer: string;
  referrer_domain: string;
  referrer_source: string;
  channel: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  click_id_param: string;
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
  device: string;
  screen_w: number;
  screen_h: number;
  viewport_w: number;
  viewport_h: number;
  language: string;
  timezone: string;
  country: string;
  engagement_ms: number;
  scroll_depth: number;
  visibility_changes: number;
  interactive: number;
  props: Record<string, string>;
  revenue_amount: string | null;
  revenue_currency: string;
  is_bot: number;
  source: EventSource;
}

/** Where an event entered Sightline. */
export type EventSource = 'web' | 'app' | 'api' | 'import';

/** Names with a meaning of their own; anything else is a custom event. */
export const PAGEVIEW = 'pageview';
export const ENGAGEMENT = 'engagement';

/**
 * DESIGN.md "Event model": 30 minutes of inactivity end a session. The ingest's session step applies it, and the
 * event store relies on it to know when a visit can no longer grow (storage/events/finished-visits.ts).
 */
export const SESSION_TIMEOUT_MS = 30 * 60_000;

/** Caps applied by validation (DESIGN.md brackets). One place, so validation, docs and tests agree. */
export const LIMITS = {
  pathname: 2000,
  title: 500,
  referrer: 2000,
  url: 4000,
  query: 2000,
  hash: 2000,
  utm: 255,
  eventName: 120,
  props: 30,
  propKey: 300,
  propValue: 2000,
  hostname: 253,
  language: 35,
  timezone: 64,
  userId: 256,
  currency: 3,
  /** Largest request body accepted on ingestion routes, in bytes. */
  bodyBytes: 64 * 1024,
  /** Largest batch on the API-key batch route. */
  batchEvents: 1000,
} as const;
