import { LIMITS, PAGEVIEW } from '../../domain/event.js';
import type { RawEvent } from '../types.js';
import { decodeJsonBody, isAbsoluteHttpUrl, isRecord, type ParseResult, pick } from './fields.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCREEN = /^\s*(\d{1,6})\s*x\s*(\d{1,6})\s*$/i;
/** Hostnames as `location.hostname` gives them: letters, digits, dots, hyphens, optional port; or an IPv6 literal. */
const HOSTNAME = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Types Umami's tracker sends that carry nothing Sightline records: `identify` attaches data to Umami's own
 * visitor profile; `performance` (Web Vitals) and `engagement` are newer Umami reports with no column here.
 * They are accepted and ignored, so a site moving over from Umami sees no errors.
 */
const IGNORED_TYPES = new Set(['identify', 'performance', 'engagement']);

/** Nested event data is flattened to dotted keys (`cart.total`) as Umami does; deeper levels are dropped. */
const MAX_DATA_DEPTH = 4;

/**
 * Parses a `POST /api/send` body from Umami's tracker (umami-software/umami, `src/tracker/index.js`). Never throws.
 *
 * ```json
 * { "type": "event", "payload": { "website": "<site public id>", "hostname": "example.com", "url": "/pricing?a=1",
 *   "referrer": "https://google.com/", "title": "Pricing", "language": "en-US", "screen": "1920x1080",
 *   "name": "signup", "data": { "plan": "pro" } } }
 * ```
 *
 * - `website` is the site's public UUID. `url` is the page as a path (older trackers; the full URL is rebuilt from
 *   `hostname`) or as an absolute URL (newer ones). An event without `name` is a pageview.
 * - `data` becomes props (nested objects flattened to dotted keys, arrays kept as JSON text); `id` (set by
 *   `umami.identify(id)`) becomes the event's user id; `timestamp` (epoch seconds) is honoured only where the
 *   pipeline honours timestamps (imports, API keys). `tag`, `ip`, `userAgent` and `browser`/`os`/`device` are ignored:
 *   a browser must not choose its own IP or user agent.
 * - `identify` (and Umami's newer `performance`/`engagement` reports) are accepted and produce no event.
 */
export function parseUmamiBody(body: unknown): ParseResult<RawEvent> {
  const decoded = decodeJsonBody(body);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  if (Array.isArray(value))
    return { ok: false, error: 'request body must be one JSON object { type, payload }; batches are not supported' };
  if (!isRecord(value)) return { ok: false, error: 'request body must be a JSON object { type, payload }' };

  const type = pick(value, 'type');
  if (type === undefined) return { ok: false, error: "type is required: 'event' or 'identify'" };
  if (type !== 'event' && !(typeof type === 'string' && IGNORED_TYPES.has(type))) {
    return { ok: false, error: "type must be 'event' or 'identify'" };
  }
  const payload = pick(value, 'payload');
  if (!isRecord(payload)) return { ok: false, error: 'payload must be an object' };

  const website = pick(payload, 'website');
  if (website === undefined)
    return { ok: false, error: 'payload.website is required (the site id shown in Sightline)' };
  if (typeof website !== 'string' || !UUID.test(website.trim()))
    return { ok: false, error: 'payload.website must be a UUID' };
  if (type !== 'event') return { ok: true, events: [] };

  const url = pageUrl(pick(payload, 'url'), pick(payload, 'hostname'));
  if (!url.ok) return url;

  const rawName = pick(payload, 'name');
  if (rawName !== undefined && typeof rawName !== 'string')
    return { ok: false, error: 'payload.name must be a string' };
  const name = rawName === undefined || rawName.trim() === '' ? PAGEVIEW : rawName;

  const raw: RawEvent = {
    name,
    url: url.value,
    sitePublicId: website.trim().toLowerCase(),
    referrer: referrerOf(pick(payload, 'referrer')),
    title: pick(payload, 'title'),
    language: pick(payload, 'language'),
  };

  const screen = pick(payload, 'screen');
  const size = typeof screen === 'string' ? SCREEN.exec(screen) : null;
  if (size !== null) {
    raw.screenWidth = Number(size[1]);
    raw.screenHeight = Number(size[2]);
  }

  const data = pick(payload, 'data');
  if (isRecord(data)) raw.props = flattenData(data);

  const id = pick(payload, 'id');
  if (typeof id === 'string' && id.trim() !== '') raw.userId = id;

  const timestamp = pick(payload, 'timestamp');
  const seconds = typeof timestamp === 'string' && timestamp.trim() !== '' ? Number(timestamp) : timestamp;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) raw.timestamp = Math.trunc(seconds) * 1000;

  return { ok: true, events: [raw] };
}

function pageUrl(url: unknown, hostname: unknown): { ok: true; value: string } | { ok: false; error: string } {
  if (url === undefined || url === '') return { ok: false, error: 'payload.url is required' };
  if (typeof url !== 'string') return { ok: false, error: 'payload.url must be a string' };
  if (url.length > LIMITS.url) return { ok: false, error: `payload.url must be at most ${LIMITS.url} characters` };
  const trimmed = url.trim();
  if (isAbsoluteHttpUrl(trimmed)) return { ok: true, value: trimmed };
  if (!trimmed.startsWith('/') || trimmed.startsWith('//')) {
    return { ok: false, error: 'payload.url must be a path starting with / or an absolute http(s) URL' };
  }
  if (typeof hostname !== 'string' || hostname.trim() === '') {
    return { ok: false, error: 'payload.hostname is required when payload.url is a path' };
  }
  if (hostname.length > LIMITS.hostname || !HOSTNAME.test(hostname.trim())) {
    return { ok: false, error: 'payload.hostname must be a hostname such as example.com' };
  }
  // The tracker sends no scheme; only host and path are recorded, so https is as good as any.
  const full = `https://${hostname.trim()}${trimmed}`;
  if (!isAbsoluteHttpUrl(full)) return { ok: false, error: 'payload.hostname must be a hostname such as example.com' };
  return { ok: true, value: full };
}

/** Umami sends '' for no referrer and may send a same-site path; only an absolute URL names another site. */
function referrerOf(referrer: unknown): string | undefined {
  if (typeof referrer !== 'string') return undefined;
  const trimmed = referrer.trim();
  return isAbsoluteHttpUrl(trimmed) ? trimmed : undefined;
}

function flattenData(data: Record<string, unknown>): Record<string, unknown> {
  const flat: Array<[string, unknown]> = [];
  // Enough to fill the props cap even after validation drops blanks; everything further is discarded anyway.
  const maxEntries = LIMITS.props * 4;

  const walk = (record: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const key of Object.keys(record)) {
      if (flat.length >= maxEntries) return;
      const value = record[key];
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (isRecord(value)) {
        if (depth < MAX_DATA_DEPTH) walk(value, path, depth + 1);
      } else if (Array.isArray(value)) {
        const text = jsonText(value);
        if (text !== undefined) flat.push([path, text]);
      } else {
        flat.push([path, value]);
      }
    }
  };
  walk(data, '', 1);
  // fromEntries defines own properties: a `__proto__` key stays data and never becomes a prototype.
  return Object.fromEntries(flat);
}

function jsonText(value: unknown[]): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // BigInts or cycles: not something a JSON body can hold, so not worth an error.
    return undefined;
  }
}
