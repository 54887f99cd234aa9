import type { ReferrerKind } from '../../domain/channel.js';
import type { EventRow } from '../../domain/event.js';
import type { DropReason, RequestContext } from '../types.js';

/** A step's verdict that the event is not stored, with the reason counted in /metrics. */
export interface Drop {
  ok: false;
  reason: DropReason;
  /** What was wrong, phrased for the sender when it was their fault (`invalid`), or for the operator. */
  detail?: string;
}

/** @example return drop('spam_referrer', referrerDomain) */
export function drop(reason: DropReason, detail?: string): Drop {
  return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
}

/**
 * The client an event describes. Used for enrichment and for hashing into the visitor id, then forgotten: none of
 * it is ever written to the row (DESIGN.md "Privacy").
 */
export interface Client {
  ip: string;
  userAgent: string;
  /** Request headers when they describe this client; empty when the event names its own client (API, imports). */
  headers: RequestContext['headers'];
}

/** One event on its way through the steps: the row being filled plus what enrichment needs and must not store. */
export interface EventDraft {
  row: EventRow;
  client: Client;
  ctx: RequestContext;
  /** Whether the URL fragment is part of the page path (Plausible's hashMode). */
  hashMode: boolean;
  /** Filled by the referrer step, read by the channel step. */
  referrerKind: ReferrerKind | '';
}

/** A row with every column at its neutral value; validation and enrichment fill it in. */
export function emptyRow(): EventRow {
  return {
    site_id: 0,
    ts: 0,
    event_id: '',
    name: '',
    visitor_id: '0',
    session_id: '0',
    user_id: '',
    hostname: '',
    pathname: '/',
    query: '',
    hash: '',
    title: '',
    referrer: '',
    referrer_domain: '',
    referrer_source: '',
    channel: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_content: '',
    utm_term: '',
    click_id_param: '',
    browser: '',
    browser_version: '',
    os: '',
    os_version: '',
    device: '',
    screen_w: 0,
    screen_h: 0,
    viewport_w: 0,
    viewport_h: 0,
    language: '',
    timezone: '',
    country: '',
    engagement_ms: 0,
    scroll_depth: 0,
    visibility_changes: 0,
    interactive: 1,
    props: {},
    revenue_amount: null,
    revenue_currency: '',
    is_bot: 0,
    source: 'web',
  };
}
