import { isIP } from 'node:net';
import { ENGAGEMENT, LIMITS } from '../../domain/event.js';
import { parsePageUrl } from '../../domain/url.js';
import { MAX_FUTURE_SKEW_MS } from '../steps/validate.js';
import type { RawEvent } from '../types.js';
import { isRecord } from './fields.js';

/**
 * The wire format of `POST /api/v1/events` (ingest keys): one event object, or `{ "events": [ … ] }` with 1 to
 * 1,000 of them. Field names are snake_case, as in Plausible's and most analytics HTTP APIs:
 *
 * | field | | |
 * |---|---|---|
 * | name | required | `pageview` or a custom event name, at most 120 characters |
 * | url | required | absolute http(s) URL of the page or app screen, e.g. `https://app.example.com/settings` |
 * | timestamp | optional | ISO 8601 with a zone (`2026-03-01T12:00:00Z`) or epoch milliseconds; default: when received; at most 5 minutes ahead and 30 days back |
 * | referrer, title, language, timezone | optional | text, cut to their column caps |
 * | props | optional | object of at most 30 pairs; values string, number or boolean |
 * | revenue | optional | `{ amount: number or decimal text, currency: 'EUR' }` |
 * | user_id | optional | your own id of the signed-in user (text or integer) |
 * | user_agent | optional | the visitor's user agent; default: the request's User-Agent |
 * | ip | optional | the visitor's IP, used for the visitor id and country, then dropped; default: the request's |
 * | screen | optional | `{ width, height }` in CSS pixels |
 *
 * The site is the ingest key's; a `domain` in the body is ignored. Problems with one event drop that event (with its
 * index and what to fix) and never the others; only a body that is not one of the two shapes is refused whole.
 */

/** History older than this goes through `sightline import`, which runs with the right day's salts. */
export const MAX_PAST_MS = 30 * 86_400_000;
export const MAX_BATCH_EVENTS = LIMITS.batchEvents;

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;
const CURRENCY = /^[A-Za-z]{3}$/;
const DECIMAL = /^[+-]?\d{1,14}(?:\.\d+)?$/;
const UINT16_MAX = 65_535;

/** One event of the body: ready for the pipeline, or dropped here with what the sender must fix. */
export type ApiEventItem =
  | { index: number; ok: true; raw: RawEvent }
  | { index: number; ok: false; reason: 'invalid'; detail: string };

export type ApiEventsParse = { ok: true; items: ApiEventItem[] } | { ok: false; status: 400 | 413; error: string };

/**
 * Parses a request body (already decoded JSON) into pipeline events for `siteId`. `receivedAt` is the request's
 * arrival time in epoch ms, against which timestamps are checked.
 *
 * @example parseApiEvents({ name: 'signup', url: 'https://app.example/welcome' }, { siteId: 3, receivedAt: Date.now() })
 */
export function parseApiEvents(body: unknown, options: { siteId: number; receivedAt: number }): ApiEventsParse {
  if (!isRecord(body)) {
    return {
      ok: false,
      status: 400,
      error: 'Send one event as a JSON object, or { "events": [ … ] } with up to 1,000',
    };
  }
  let events: unknown[];
  if (Object.hasOwn(body, 'events')) {
    const list = body.events;
    if (!Array.isArray(list)) return { ok: false, status: 400, error: 'events must be an array of event objects' };
    if (list.length === 0) return { ok: false, status: 400, error: 'events is empty; send 1 to 1,000 events' };
    if (list.length > MAX_BATCH_EVENTS) {
      return {
        ok: false,
        status: 413,
        error: `events has ${list.length} events; send at most ${MAX_BATCH_EVENTS.toLocaleString('en')} per request`,
      };
    }
    events = list;
  } else {
    events = [body];
  }
  return { ok: true, items: events.map((event, index) => parseEvent(event, index, options)) };
}

class InvalidField extends Error {}

function parseEvent(event: unknown, index: number, options: { siteId: number; receivedAt: number }): ApiEventItem {
  if (!isRecord(event)) return { index, ok: false, reason: 'invalid', detail: 'an event must be a JSON object' };
  try {
    const raw: RawEvent = {
      siteId: options.siteId,
      name: eventName(event),
      url: pageUrl(event),
      timestamp: timestamp(field(event, 'timestamp'), options.receivedAt),
      referrer: optionalText(event, 'referrer'),
      title: optionalText(event, 'title'),
      language: optionalText(event, 'language'),
      timezone: optionalText(event, 'timezone'),
      props: props(field(event, 'props')),
      revenue: revenue(field(event, 'revenue')),
      userId: userId(field(event, 'user_id')),
      userAgent: optionalText(event, 'user_agent'),
      ip: ip(field(event, 'ip')),
    };
    const screen = screenSize(field(event, 'screen'));
    if (screen !== undefined) {
      raw.screenWidth = screen.width;
      raw.screenHeight = screen.height;
    }
    return { index, ok: true, raw };
  } catch (error) {
    if (error instanceof InvalidField) return { index, ok: false, reason: 'invalid', detail: error.message };
    throw error;
  }
}

/** An own property that is present and not null; `constructor` or `__proto__` never read anything inherited. */
function field(event: Record<string, unknown>, key: string): unknown {
  if (!Object.hasOwn(event, key)) return undefined;
  const value = event[key];
  return value === null ? undefined : value;
}

function eventName(event: Record<string, unknown>): string {
  const value = field(event, 'name');
  if (value === undefined || value === '') throw new InvalidField('name is required');
  if (typeof value !== 'string') throw new InvalidField('name must be a string');
  const name = value.trim();
  if (name === '') throw new InvalidField('name is required');
  if (name.length > LIMITS.eventName) throw new InvalidField(`name must be at most ${LIMITS.eventName} characters`);
  if (name === ENGAGEMENT) {
    throw new InvalidField('engagement events come from the browser tracker; use pageview or a custom name');
  }
  return name;
}

function pageUrl(event: Record<string, unknown>): string {
  const value = field(event, 'url');
  if (value === undefined || value === '') throw new InvalidField('url is required');
  if (typeof value !== 'string') throw new InvalidField('url must be a string');
  if (value.length > LIMITS.url) throw new InvalidField(`url must be at most ${LIMITS.url} characters`);
  if (parsePageUrl(value, { hashMode: false }) === undefined) {
    throw new InvalidField('url must be an absolute http(s) URL, e.g. https://app.example.com/settings');
  }
  return value;
}

function timestamp(value: unknown, receivedAt: number): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidField('timestamp must be epoch milliseconds or an ISO 8601 time');
    ms = Math.trunc(value);
  } else if (typeof value === 'string' && ISO_DATE_TIME.test(value.trim())) {
    ms = isoTime(value.trim());
  } else {
    throw new InvalidField(
      'timestamp must be epoch milliseconds or an ISO 8601 time with a zone, e.g. 2026-03-01T12:00:00Z',
    );
  }
  if (ms > receivedAt + MAX_FUTURE_SKEW_MS) {
    throw new InvalidField('timestamp is more than 5 minutes in the future; check the sender clock');
  }
  if (ms < receivedAt - MAX_PAST_MS) {
    throw new InvalidField(
      'timestamp is more than 30 days in the past (epoch milliseconds, not seconds?); import history with `sightline import`',
    );
  }
  return ms;
}

/** Epoch ms of an ISO 8601 date-time the pattern accepted; Date.parse alone would roll 2026-02-30 into March. */
function isoTime(text: string): number {
  const [, year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] =
    ISO_DATE_TIME.exec(text) ?? [];
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  const valid =
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(offsetHours) <= 23 &&
    Number(offsetMinutes) <= 59;
  const ms = valid ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidField(`timestamp ${JSON.stringify(text)} is not a valid date-time`);
  return ms;
}

function optionalText(event: Record<string, unknown>, key: string): string | undefined {
  const value = field(event, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidField(`${key} must be a string`);
  return value;
}

function props(value: unknown): Record<string, string | number | boolean> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new InvalidField('props must be an object of names to strings, numbers or booleans');
  const keys = Object.keys(value);
  if (keys.length > LIMITS.props) {
    throw new InvalidField(`props has ${keys.length} pairs; at most ${LIMITS.props} are allowed`);
  }
  const result: Record<string, string | number | boolean> = {};
  for (const key of keys) {
    const prop = value[key];
    if (key.length > LIMITS.propKey) {
      throw new InvalidField(`props names must be at most ${LIMITS.propKey} characters`);
    }
    if (typeof prop === 'string') {
      if (prop.length > LIMITS.propValue) {
        throw new InvalidField(`props.${key} must be at most ${LIMITS.propValue} characters`);
      }
    } else if (!(typeof prop === 'boolean' || (typeof prop === 'number' && Number.isFinite(prop)))) {
      throw new InvalidField(`props.${key} must be a string, a number or a boolean`);
    }
    // defineProperty: a `__proto__` prop stays an ordinary key
    Object.defineProperty(result, key, { value: prop, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

function revenue(value: unknown): { amount: number | string; currency: string } | undefined {
  if (value === undefined) return undefined;
  const problem = 'revenue must be { "amount": 12.5, "currency": "EUR" } (amount a number or decimal text)';
  if (!isRecord(value)) throw new InvalidField(problem);
  const amount = field(value, 'amount');
  const currency = field(value, 'currency');
  const amountOk =
    (typeof amount === 'number' && Number.isFinite(amount) && Math.abs(amount) < 1e14) ||
    (typeof amount === 'string' && DECIMAL.test(amount.trim()));
  if (!amountOk || typeof currency !== 'string' || !CURRENCY.test(currency.trim())) throw new InvalidField(problem);
  return { amount: amount as number | string, currency: currency.trim().toUpperCase() };
}

function userId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string') throw new InvalidField('user_id must be a string or an integer');
  if (value.length > LIMITS.userId) throw new InvalidField(`user_id must be at most ${LIMITS.userId} characters`);
  return value;
}

function ip(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || isIP(value.trim()) === 0) {
    throw new InvalidField('ip must be the visitor IPv4 or IPv6 address');
  }
  return value.trim();
}

function screenSize(value: unknown): { width: number; height: number } | undefined {
  if (value === undefined) return undefined;
  const problem = 'screen must be { "width": 1920, "height": 1080 } in whole pixels';
  if (!isRecord(value)) throw new InvalidField(problem);
  const width = field(value, 'width');
  const height = field(value, 'height');
  const pixels = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= UINT16_MAX;
  if (!pixels(width) || !pixels(height)) throw new InvalidField(problem);
  return { width, height };
}
