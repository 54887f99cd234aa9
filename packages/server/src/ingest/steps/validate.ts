import { isIP } from 'node:net';
import { ENGAGEMENT, LIMITS } from '../../domain/event.js';
import { cleanString, parsePageUrl, wellFormed } from '../../domain/url.js';
import { flag, isRecord } from '../formats/fields.js';
import type { RawEvent, RequestContext } from '../types.js';
import { type Client, type Drop, drop, type EventDraft, emptyRow } from './draft.js';

/** Engagement time per report is clamped here: one report covers the time since the previous one. */
export const MAX_ENGAGEMENT_MS = 30 * 60_000;
/** Sender clocks run a little fast; an API timestamp further ahead than this is a mistake, not skew. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Anything earlier is a unit mistake (seconds sent as milliseconds), not analytics history. */
export const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);
/**
 * User agents are cut to this length before parsing and hashing: real ones are a few hundred characters, and
 * the UA parser's regular expressions should never see a hostile megabyte.
 */
export const MAX_USER_AGENT = 1024;
const UINT16_MAX = 65_535;
/** Revenue lands in Decimal(18, 4): at most 14 integer digits and 4 decimals. */
const REVENUE_INTEGER_DIGITS = 14;
const REVENUE_DECIMALS = 4;
const DECIMAL_TEXT = /^([+-])?(\d+)(?:\.(\d*))?$/;
const CURRENCY = /^[A-Za-z]{3}$/;

/**
 * Step 1, validate & cap: turns a wire event into a draft row with every field checked and capped, or drops it as
 * `invalid` with a message that names the field. Never throws.
 *
 * Rules (LIMITS in domain/event.ts holds the numbers):
 * - `name` is required, at most 120 characters. `url` is required: an absolute http(s) URL of at most LIMITS.url
 *   characters; its path (≤ 2000), query and fragment are split out by `parsePageUrl`.
 * - `title` (500), `referrer` (2000), `language`, `timezone` and `user_id` are cut to their caps, never rejected.
 * - props: an object or a JSON string of one. String, number and boolean values are kept (as text); null, arrays
 *   and objects are dropped, as are blank keys and values, as in Plausible. Keys are cut to 300 and values to
 *   2000 characters, and the FIRST 30 pairs are kept: the rest of the event is still worth recording, and a
 *   sender's own order decides what survives.
 * - revenue: `{ amount, currency }` (or its JSON string) with a finite amount (number or decimal text) and a
 *   3-letter currency code, upper-cased. Anything else is ignored, as Plausible ignores it.
 * - screen/viewport sizes: numbers (or numeric text) rounded to whole numbers; outside 0–65535, or not a number, 0.
 * - engagement events need `scroll_depth` or `engagement_time`: scroll depth is clamped to 0–100 and engagement
 *   time to 0–30 min. Other events carry neither.
 * - `timestamp` counts only for imports and API-key events; browsers cannot backdate, so theirs is the receive time.
 * - `interactive` defaults to true, except for engagement events (they must not turn a bounce into a visit).
 */
export function validateEvent(raw: RawEvent, ctx: RequestContext): EventDraft | Drop {
  const name = eventName(raw.name);
  if (typeof name !== 'string') return name;

  if (raw.url === undefined || raw.url === null || raw.url === '') return drop('invalid', 'url is required');
  if (typeof raw.url !== 'string') return drop('invalid', 'url must be a string');
  if (raw.url.length > LIMITS.url) return drop('invalid', `url must be at most ${LIMITS.url} characters`);
  const hashMode = flag(raw.hashMode) === true;
  const page = parsePageUrl(raw.url, { hashMode });
  if (page === undefined) return drop('invalid', 'url must be an absolute http(s) URL');

  const ts = eventTime(raw.timestamp, ctx);
  if (typeof ts !== 'number') return ts;

  const isEngagement = name === ENGAGEMENT;
  const row = emptyRow();
  row.name = name;
  row.ts = ts;
  row.source = ctx.source;
  row.hostname = page.hostname;
  row.pathname = page.pathname;
  row.query = page.query;
  row.hash = page.hash;
  row.title = text(raw.title, LIMITS.title);
  row.referrer = text(raw.referrer, LIMITS.referrer);
  row.language = text(raw.language, LIMITS.language);
  row.timezone = text(raw.timezone, LIMITS.timezone);
  row.user_id = text(
    typeof raw.userId === 'number' && Number.isSafeInteger(raw.userId) ? String(raw.userId) : raw.userId,
    LIMITS.userId,
  );
  row.screen_w = uint16(raw.screenWidth);
  row.screen_h = uint16(raw.screenHeight);
  row.viewport_w = uint16(raw.viewportWidth);
  row.viewport_h = uint16(raw.viewportHeight);
  row.props = cleanProps(raw.props);
  const revenue = cleanRevenue(raw.revenue);
  if (revenue !== undefined) {
    row.revenue_amount = revenue.amount;
    row.revenue_currency = revenue.currency;
  }
  row.interactive = (flag(raw.interactive) ?? !isEngagement) ? 1 : 0;

  if (isEngagement) {
    const scrollDepth = wholeNumber(raw.scrollDepth);
    const engagementMs = wholeNumber(raw.engagementMs);
    const hasScroll = scrollDepth !== undefined && scrollDepth >= 0;
    const hasTime = engagementMs !== undefined && engagementMs >= 0;
    if (!hasScroll && !hasTime) {
      return drop('invalid', 'engagement events need scroll_depth (sd) or engagement_time (e) as a whole number');
    }
    row.scroll_depth = hasScroll ? Math.min(scrollDepth, 100) : 0;
    row.engagement_ms = hasTime ? Math.min(engagementMs, MAX_ENGAGEMENT_MS) : 0;
    row.visibility_changes = clamp(wholeNumber(raw.visibilityChanges) ?? 0, 0, UINT16_MAX);
  }

  return { row, client: clientOf(raw, ctx), ctx, hashMode, referrerKind: '' };
}

function eventName(value: unknown): string | Drop {
  if (value === undefined || value === null || value === '') return drop('invalid', 'name is required');
  let name: string;
  if (typeof value === 'string') name = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) name = String(value);
  else return drop('invalid', 'name must be a string');
  name = wellFormed(name.trim());
  if (name === '') return drop('invalid', 'name is required');
  if (name.length > LIMITS.eventName) return drop('invalid', `name must be at most ${LIMITS.eventName} characters`);
  return name;
}

function eventTime(timestamp: unknown, ctx: RequestContext): number | Drop {
  if (ctx.source !== 'import' && ctx.source !== 'api') return ctx.receivedAt;
  if (timestamp === undefined || timestamp === null || timestamp === '') return ctx.receivedAt;
  const ms =
    typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (!Number.isFinite(ms)) return drop('invalid', 'timestamp must be epoch milliseconds or an ISO-8601 date-time');
  if (ms > ctx.receivedAt + MAX_FUTURE_SKEW_MS) return drop('invalid', 'timestamp must not be in the future');
  if (ms < EARLIEST_TIMESTAMP)
    return drop('invalid', 'timestamp must be after 2000-01-01 (epoch milliseconds, not seconds)');
  return Math.trunc(ms);
}

/**
 * Imports and API-key events may name the client they describe (a server sending on behalf of a browser); then
 * the request's own headers describe the sender, not the visitor, and are not used for enrichment.
 */
function clientOf(raw: RawEvent, ctx: RequestContext): Client {
  let ip = ctx.ip;
  let userAgent = ctx.userAgent;
  let headers = ctx.headers;
  if (ctx.source === 'import' || ctx.source === 'api') {
    if (typeof raw.userAgent === 'string' && raw.userAgent.trim() !== '') {
      userAgent = raw.userAgent;
      headers = {};
    }
    if (typeof raw.ip === 'string' && isIP(raw.ip.trim()) !== 0) {
      ip = raw.ip.trim();
      headers = {};
    }
  }
  return { ip, userAgent: cleanString(userAgent, MAX_USER_AGENT), headers };
}

function text(value: unknown, max: number): string {
  return typeof value === 'string' ? cleanString(value.trim(), max) : '';
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A whole number from a number or numeric text (Plausible's tracker may send either); undefined otherwise. */
function wholeNumber(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  return Math.round(n);
}

function uint16(value: unknown): number {
  const n = wholeNumber(value);
  return n !== undefined && n >= 0 && n <= UINT16_MAX ? n : 0;
}

/** See validateEvent: first 30 usable pairs, keys ≤ 300, values ≤ 2000 characters, all text. */
export function cleanProps(value: unknown): Record<string, string> {
  let source = value;
  if (typeof source === 'string') {
    if (source.length > LIMITS.bodyBytes) return {};
    try {
      source = JSON.parse(source);
    } catch {
      return {};
    }
  }
  if (!isRecord(source)) return {};
  const kept = new Map<string, string>();
  for (const rawKey of Object.keys(source)) {
    if (kept.size >= LIMITS.props) break;
    const valueText = propText(source[rawKey]);
    if (valueText === undefined) continue;
    const key = cleanString(rawKey, LIMITS.propKey);
    const propValue = cleanString(valueText, LIMITS.propValue);
    if (key.trim() === '' || propValue.trim() === '' || kept.has(key)) continue;
    kept.set(key, propValue);
  }
  // fromEntries defines own properties: a `__proto__` key stays an ordinary prop.
  return Object.fromEntries(kept);
}

function propText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** See validateEvent. Returns the amount as decimal text for the Decimal(18, 4) column. */
export function cleanRevenue(value: unknown): { amount: string; currency: string } | undefined {
  let source = value;
  if (typeof source === 'string') {
    if (source.length > 1_000) return undefined;
    try {
      source = JSON.parse(source);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(source)) return undefined;
  const currency = Object.hasOwn(source, 'currency') ? source.currency : undefined;
  const amount = decimalText(Object.hasOwn(source, 'amount') ? source.amount : undefined);
  if (typeof currency !== 'string' || !CURRENCY.test(currency.trim()) || amount === undefined) return undefined;
  return { amount, currency: currency.trim().toUpperCase() };
}

function decimalText(value: unknown): string | undefined {
  let textForm: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // toFixed rounds away binary noise (0.1 + 0.2); it gives exponent notation only from 1e21, far over the cap.
    textForm = value.toFixed(REVENUE_DECIMALS);
  } else if (typeof value === 'string') {
    textForm = value.trim();
  } else {
    return undefined;
  }
  const match = DECIMAL_TEXT.exec(textForm);
  if (match === null) return undefined;
  const sign = match[1] === '-' ? '-' : '';
  const integer = (match[2] ?? '0').replace(/^0+(?=\d)/, '');
  // Decimals past the column's 4 are cut, not rounded: text amounts are exact and rounding them would invent cents.
  const fraction = (match[3] ?? '').slice(0, REVENUE_DECIMALS).replace(/0+$/, '');
  if (integer.length > REVENUE_INTEGER_DIGITS) return undefined;
  const result = fraction === '' ? integer : `${integer}.${fraction}`;
  return result === '0' ? '0' : `${sign}${result}`;
}
