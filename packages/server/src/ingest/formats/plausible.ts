import { LIMITS } from '../../domain/event.js';
import type { RawEvent } from '../types.js';
import { decodeJsonBody, flag, isAbsoluteHttpUrl, isRecord, type ParseResult, pick } from './fields.js';

/**
 * Parses a `POST /api/event` body: Plausible's Events API (https://plausible.io/docs/events-api), as their docs and
 * their tracker send it, plus the fields Sightline's own tracker adds. Never throws.
 *
 * The body is one event as a JSON object, or a string holding that JSON (a `text/plain` body). Every key has a
 * long and a short name; when both are present the short one wins, as in Plausible.
 *
 * Plausible's keys:
 *
 * | long | short | type | meaning |
 * |---|---|---|---|
 * | `name` | `n` | string (or integer) | `pageview`, `engagement` or a custom event name. Required. |
 * | `url` | `u` | string | Absolute http(s) URL of the page. Required. |
 * | `domain` | `d` | string | Site domain; comma-separated to record the event for several sites. Default: the URL's host. |
 * | `referrer` | `r` | string \| null | `document.referrer`. |
 * | `props` (`meta`) | `p` (`m`) | object \| JSON string | Custom properties: string, number or boolean values (others are dropped), at most 30. |
 * | `revenue` | `$` | object \| JSON string | `{ "amount": 12.5 \| "12.50", "currency": "EUR" }`; ignored unless both are valid. |
 * | `interactive` | `i` | boolean | `false`: the event does not end a bounce. Default `true` (`false` for `engagement`). |
 * | `hashMode` | `h` | 1 \| boolean | The URL fragment is part of the page path (hash-based routing). |
 * | `screen_width` | `w` | integer | Screen width in CSS pixels. |
 * | `scroll_depth` | `sd` | integer 0–100 | Engagement events: deepest scroll, percent of the page. |
 * | `engagement_time` | `e` | integer | Engagement events: milliseconds the page was visible and focused since the last report. |
 *
 * Sightline's tracker adds (Plausible ignores unknown keys, so these bodies stay valid Plausible bodies):
 *
 * | long | short | type | meaning |
 * |---|---|---|---|
 * | `title` | `t` | string | `document.title`. |
 * | `screen_height` | `sh` | integer | Screen height in CSS pixels. |
 * | `viewport_width` | `vw` | integer | `window.innerWidth`. |
 * | `viewport_height` | `vh` | integer | `window.innerHeight`. |
 * | `language` | `l` | string | `navigator.language` (BCP 47, e.g. `en-GB`). |
 * | `timezone` | `tz` | string | IANA time zone from `Intl.DateTimeFormat().resolvedOptions().timeZone`. |
 * | `visibility_changes` | `vc` | integer | Engagement events: times the page was hidden and shown again. |
 *
 * Everything else (Plausible's tracker version `v`, unknown keys) is ignored. Lengths and ranges are capped later by
 * the pipeline's validation step; this parser rejects only what makes the request meaningless, naming the field.
 *
 * @example
 * parsePlausibleBody('{"n":"pageview","u":"https://example.com/","d":"example.com","r":null}')
 * // { ok: true, events: [{ name: 'pageview', url: 'https://example.com/', domains: ['example.com'], … }] }
 */
export function parsePlausibleBody(body: unknown): ParseResult<RawEvent> {
  const decoded = decodeJsonBody(body);
  if (!decoded.ok) return decoded;
  let value = decoded.value;
  // A JSON string that itself holds the JSON object: a text/plain body the HTTP layer decoded once already.
  if (typeof value === 'string') {
    const again = decodeJsonBody(value);
    if (!again.ok) return again;
    value = again.value;
  }
  if (Array.isArray(value)) {
    return {
      ok: false,
      error:
        'request body must be one event as a JSON object; batches (arrays) are not part of the Events API, send one request per event',
    };
  }
  if (!isRecord(value)) return { ok: false, error: 'request body must be a JSON object describing one event' };
  const event = value;

  const rawName = pick(event, 'n', 'name');
  let name: string;
  if (rawName === undefined || rawName === '') return { ok: false, error: 'name is required' };
  if (typeof rawName === 'string') name = rawName;
  // Plausible accepts integer names (404 tracking sends status codes).
  else if (typeof rawName === 'number' && Number.isSafeInteger(rawName)) name = String(rawName);
  else return { ok: false, error: 'name must be a string' };
  if (name.trim() === '') return { ok: false, error: 'name is required' };

  const url = pick(event, 'u', 'url');
  if (url === undefined || url === '') return { ok: false, error: 'url is required' };
  if (typeof url !== 'string') return { ok: false, error: 'url must be a string' };
  if (url.length > LIMITS.url) return { ok: false, error: `url must be at most ${LIMITS.url} characters` };
  if (!isAbsoluteHttpUrl(url.trim())) return { ok: false, error: 'url must be an absolute http(s) URL' };

  const rawDomain = pick(event, 'd', 'domain');
  let domains: string[] | undefined;
  if (rawDomain !== undefined) {
    if (typeof rawDomain !== 'string')
      return { ok: false, error: 'domain must be a string (comma-separated for several sites)' };
    domains = rawDomain
      .split(',')
      .map((domain) => domain.trim())
      .filter((domain) => domain !== '');
    if (domains.length === 0) return { ok: false, error: 'domain must not be blank' };
  }

  const raw: RawEvent = {
    name,
    url: url.trim(),
    referrer: pick(event, 'r', 'referrer'),
    props: pick(event, 'p', 'props', 'm', 'meta'),
    revenue: pick(event, '$', 'revenue'),
    interactive: pick(event, 'i', 'interactive'),
    hashMode: flag(pick(event, 'h', 'hashMode')),
    screenWidth: pick(event, 'w', 'screen_width'),
    screenHeight: pick(event, 'sh', 'screen_height'),
    viewportWidth: pick(event, 'vw', 'viewport_width'),
    viewportHeight: pick(event, 'vh', 'viewport_height'),
    title: pick(event, 't', 'title'),
    language: pick(event, 'l', 'language'),
    timezone: pick(event, 'tz', 'timezone'),
    scrollDepth: pick(event, 'sd', 'scroll_depth'),
    engagementMs: pick(event, 'e', 'engagement_time'),
    visibilityChanges: pick(event, 'vc', 'visibility_changes'),
  };
  if (domains !== undefined) raw.domains = domains;
  return { ok: true, events: [raw] };
}
