import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ImportItem } from './importer.js';
import type { RawEvent } from './types.js';

/**
 * The NDJSON import format: one JSON object per line, with Plausible's long key names plus the event's own time.
 *
 * | key | required | meaning |
 * |---|---|---|
 * | `timestamp` | yes | ISO-8601 date-time with offset (`2026-03-01T10:15:00Z`) or epoch milliseconds |
 * | `name` | yes | `pageview`, `engagement` or a custom event name |
 * | `url` | yes | absolute page URL |
 * | `referrer`, `title`, `props`, `revenue`, `interactive` | no | as in POST /api/event |
 * | `screen_width`, `screen_height`, `language`, `timezone` | no | as sent by the tracker |
 * | `engagement_ms`, `scroll_depth` | no | for `engagement` events |
 * | `user_agent`, `ip` | no | hashed into the visitor id and dropped, never stored; device, browser, OS and country come from them |
 * | `user_id` | no | your own user id, for app events |
 */
export function importLineToEvent(
  value: unknown,
  domain: string,
): { raw: RawEvent; userAgent: string; ip: string } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'each line must be a JSON object' };
  const line = value as Record<string, unknown>;
  const timestamp = parseTimestamp(line.timestamp);
  if (timestamp === undefined) return { error: 'timestamp is required: an ISO-8601 date-time or epoch milliseconds' };
  const raw: RawEvent = {
    name: line.name,
    url: line.url,
    domains: [domain],
    referrer: line.referrer,
    title: line.title,
    props: line.props,
    revenue: line.revenue,
    interactive: line.interactive,
    screenWidth: line.screen_width,
    screenHeight: line.screen_height,
    language: line.language,
    timezone: line.timezone,
    engagementMs: line.engagement_ms,
    scrollDepth: line.scroll_depth,
    userId: line.user_id,
    timestamp,
  };
  return {
    raw,
    userAgent: typeof line.user_agent === 'string' ? line.user_agent : '',
    ip: typeof line.ip === 'string' ? line.ip : '',
  };
}

function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.trunc(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

/** Streams an NDJSON file as import items; a line that cannot be read becomes an `invalid` item with its line number. */
export async function* readImportFile(path: string, domain: string): AsyncGenerator<ImportItem> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    let parsed: ReturnType<typeof importLineToEvent>;
    try {
      parsed = importLineToEvent(JSON.parse(text), domain);
    } catch (error) {
      parsed = { error: `not valid JSON (${(error as Error).message})` };
    }
    const origin = `line ${number}`;
    if ('error' in parsed) {
      yield { raw: { name: undefined, url: undefined }, ctx: importContext('', ''), origin, error: parsed.error };
      continue;
    }
    yield { raw: parsed.raw, ctx: importContext(parsed.ip, parsed.userAgent), origin };
  }
}

export function importContext(ip: string, userAgent: string) {
  return { ip, userAgent, headers: {}, receivedAt: Date.now(), source: 'import' as const };
}
