import type { EventRow, EventSource } from '../domain/event.js';

/**
 * An event as a wire format describes it, before validation and enrichment. Every accepted format (Plausible's
 * Events API, Sightline's tracker superset, Umami's tracker, the API-key routes, imports) is parsed into this one
 * shape, so the pipeline is written once.
 */
export interface RawEvent {
  /** `pageview`, `engagement` or a custom name. */
  name: unknown;
  /** Full page URL as the browser saw it. */
  url: unknown;
  /** Site(s) addressed by domain (Plausible: comma-separated `domain` fans out). */
  domains?: string[];
  /** Site addressed by public UUID (Umami's `website`). */
  sitePublicId?: string;
  /** Site addressed by id (API keys are bound to one site). */
  siteId?: number;
  referrer?: unknown;
  title?: unknown;
  screenWidth?: unknown;
  screenHeight?: unknown;
  viewportWidth?: unknown;
  viewportHeight?: unknown;
  language?: unknown;
  timezone?: unknown;
  /** Custom properties: an object, or a JSON string of one (Plausible allows both). */
  props?: unknown;
  revenue?: unknown;
  interactive?: unknown;
  /** Plausible's hashMode: the URL fragment is part of the page path. */
  hashMode?: unknown;
  engagementMs?: unknown;
  scrollDepth?: unknown;
  visibilityChanges?: unknown;
  /** Event time in epoch ms; only honoured for imports and API-key events (browsers cannot backdate). */
  timestamp?: unknown;
  userId?: unknown;
  /** Explicit user agent and IP, honoured only for API-key events sent on behalf of a client, and imports. */
  userAgent?: unknown;
  ip?: unknown;
}

/** What the transport knows about the request that carried the events. The IP never leaves the pipeline. */
export interface RequestContext {
  ip: string;
  userAgent: string;
  /** Lower-cased request headers (for trusted CDN country headers and headless signals). */
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
  source: EventSource;
}

/** Every reason an event is not stored. Each one is counted in /metrics. */
export type DropReason =
  | 'invalid'
  | 'unknown_site'
  /** An engagement event whose visit ended (no pageview in 30 minutes): nothing to attach it to. */
  | 'no_session'
  | 'bot'
  | 'spam_referrer'
  | 'rate_limited_ip'
  | 'rate_limited_site'
  | 'shield_ip'
  | 'shield_country'
  | 'shield_path'
  | 'shield_hostname'
  | 'overloaded';

export type PipelineResult = { ok: true; row: EventRow } | { ok: false; reason: DropReason; detail?: string };
