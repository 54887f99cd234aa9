import { type EventRow, type EventSource, LIMITS } from '../../domain/event.js';
import type { EncodedEventRows, EventBatch } from './event-store.js';
import { EVENT_COLUMNS } from './schema.js';

/**
 * The last check before a row becomes durable. ClickHouse wraps overflowing integers silently and rejects a whole
 * batch for one unparsable UUID, so a row that slipped past validation would either be stored wrong or block the
 * flusher forever (it never skips a batch). The journal runs this on append, so everything journaled is insertable.
 */

export class InvalidEventRowError extends Error {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`Event row field ${field}: ${problem}`);
    this.name = 'InvalidEventRowError';
    this.field = field;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UINT64_TEXT = /^(0|[1-9][0-9]{0,19})$/;
const UINT64_MAX_TEXT = ((1n << 64n) - 1n).toString();
/** Decimal(18, 4): at most 14 integer digits and 4 fraction digits. */
const DECIMAL_18_4 = /^-?[0-9]{1,14}(\.[0-9]{1,4})?$/;
/** DateTime64's range. */
const TS_MIN = Date.UTC(1900, 0, 1);
const TS_MAX = Date.UTC(2299, 11, 31, 23, 59, 59, 999);
const SOURCES: ReadonlySet<EventSource> = new Set<EventSource>(['web', 'app', 'api', 'import']);

const UINT_FIELDS: ReadonlyArray<readonly [keyof EventRow, number]> = [
  ['site_id', 0xffff_ffff],
  ['screen_w', 0xffff],
  ['screen_h', 0xffff],
  ['viewport_w', 0xffff],
  ['viewport_h', 0xffff],
  ['engagement_ms', 0xffff_ffff],
  ['scroll_depth', 100],
  ['visibility_changes', 0xffff],
  ['interactive', 1],
  ['is_bot', 1],
];

const STRING_FIELDS: ReadonlyArray<keyof EventRow> = [
  'name',
  'user_id',
  'hostname',
  'pathname',
  'query',
  'hash',
  'title',
  'referrer',
  'referrer_domain',
  'referrer_source',
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_content',
  'utm_term',
  'click_id_param',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device',
  'language',
  'timezone',
  'country',
  'revenue_currency',
];

/** Returns the first problem that would make ClickHouse reject or silently alter the row, or undefined. */
export function findEventRowProblem(row: unknown): InvalidEventRowError | undefined {
  return isInsertableRow(row) ? undefined : describeEventRowProblem(row);
}

/**
 * The same rules as describeEventRowProblem, as one pass of named field reads: every journaled event is checked, and
 * the loops over field names below made each read a megamorphic keyed load. True only when that function would find
 * no problem; anything else goes to it for the message.
 */
function isInsertableRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false;
  const r = row as Record<string, unknown>;
  return (
    isUint(r.site_id, 0xffff_ffff) &&
    isUint(r.screen_w, 0xffff) &&
    isUint(r.screen_h, 0xffff) &&
    isUint(r.viewport_w, 0xffff) &&
    isUint(r.viewport_h, 0xffff) &&
    isUint(r.engagement_ms, 0xffff_ffff) &&
    isUint(r.scroll_depth, 100) &&
    isUint(r.visibility_changes, 0xffff) &&
    isUint(r.interactive, 1) &&
    isUint(r.is_bot, 1) &&
    typeof r.ts === 'number' &&
    Number.isInteger(r.ts) &&
    r.ts >= TS_MIN &&
    r.ts <= TS_MAX &&
    typeof r.event_id === 'string' &&
    UUID.test(r.event_id) &&
    isUint64Text(r.visitor_id) &&
    isUint64Text(r.session_id) &&
    typeof r.name === 'string' &&
    typeof r.user_id === 'string' &&
    typeof r.hostname === 'string' &&
    typeof r.pathname === 'string' &&
    typeof r.query === 'string' &&
    typeof r.hash === 'string' &&
    typeof r.title === 'string' &&
    typeof r.referrer === 'string' &&
    typeof r.referrer_domain === 'string' &&
    typeof r.referrer_source === 'string' &&
    typeof r.channel === 'string' &&
    typeof r.utm_source === 'string' &&
    typeof r.utm_medium === 'string' &&
    typeof r.utm_campaign === 'string' &&
    typeof r.utm_content === 'string' &&
    typeof r.utm_term === 'string' &&
    typeof r.click_id_param === 'string' &&
    typeof r.browser === 'string' &&
    typeof r.browser_version === 'string' &&
    typeof r.os === 'string' &&
    typeof r.os_version === 'string' &&
    typeof r.device === 'string' &&
    typeof r.language === 'string' &&
    typeof r.timezone === 'string' &&
    typeof r.country === 'string' &&
    typeof r.revenue_currency === 'string' &&
    isStringProps(r.props) &&
    (r.revenue_amount === null || (typeof r.revenue_amount === 'string' && DECIMAL_18_4.test(r.revenue_amount))) &&
    typeof r.source === 'string' &&
    SOURCES.has(r.source as EventSource)
  );
}

function isUint(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** Up to 19 digits is always below 2^64; 20 digits of equal length compare as numbers when compared as text. */
function isUint64Text(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    UINT64_TEXT.test(value) &&
    !(value.length === UINT64_MAX_TEXT.length && value > UINT64_MAX_TEXT)
  );
}

function isStringProps(props: unknown): boolean {
  if (typeof props !== 'object' || props === null || Array.isArray(props)) return false;
  const keys = Object.keys(props);
  if (keys.length > LIMITS.props) return false;
  for (const key of keys) if (typeof (props as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}

/**
 * The first problem of a row, field by field, with what is wrong: the rules isInsertableRow applies at speed. Use
 * findEventRowProblem; this is exported so tests can hold the two against each other.
 */
export function describeEventRowProblem(row: unknown): InvalidEventRowError | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row))
    return new InvalidEventRowError('(row)', 'not an object');
  const r = row as Record<string, unknown>;
  for (const [field, max] of UINT_FIELDS) {
    const value = r[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
      return new InvalidEventRowError(field, `expected an integer 0..${max}`);
    }
  }
  if (typeof r.ts !== 'number' || !Number.isInteger(r.ts) || r.ts < TS_MIN || r.ts > TS_MAX) {
    return new InvalidEventRowError('ts', 'expected epoch milliseconds between 1900 and 2299');
  }
  if (typeof r.event_id !== 'string' || !UUID.test(r.event_id))
    return new InvalidEventRowError('event_id', 'expected a UUID');
  for (const field of ['visitor_id', 'session_id'] as const) {
    const value = r[field];
    // Up to 19 digits is always below 2^64. Digit strings of equal length (no leading zeros) compare as numbers,
    // so a 20-digit value needs a string comparison, not a BigInt per id per event.
    if (
      typeof value !== 'string' ||
      !UINT64_TEXT.test(value) ||
      (value.length === UINT64_MAX_TEXT.length && value > UINT64_MAX_TEXT)
    ) {
      return new InvalidEventRowError(field, 'expected an unsigned 64-bit integer as a decimal string');
    }
  }
  for (const field of STRING_FIELDS) {
    if (typeof r[field] !== 'string') return new InvalidEventRowError(field, 'expected a string');
  }
  const props = r.props;
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    return new InvalidEventRowError('props', 'expected an object of strings');
  }
  const entries = Object.entries(props);
  if (entries.length > LIMITS.props) return new InvalidEventRowError('props', `more than ${LIMITS.props} properties`);
  for (const [, value] of entries) {
    if (typeof value !== 'string') return new InvalidEventRowError('props', 'every property value must be a string');
  }
  if (r.revenue_amount !== null && (typeof r.revenue_amount !== 'string' || !DECIMAL_18_4.test(r.revenue_amount))) {
    return new InvalidEventRowError(
      'revenue_amount',
      'expected null or a decimal with at most 14 integer and 4 fraction digits',
    );
  }
  if (typeof r.source !== 'string' || !SOURCES.has(r.source as EventSource)) {
    return new InvalidEventRowError('source', 'expected web, app, api or import');
  }
  return undefined;
}

/**
 * The row's columns in table order, without any extra keys the caller's object may carry. Strings are made
 * well-formed UTF-16 (a lone surrogate becomes U+FFFD): ClickHouse refuses the JSON escape of one, and a single such
 * row would otherwise fail its whole batch on every retry.
 */
export function eventRowRecord(row: EventRow): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const column of EVENT_COLUMNS) {
    const value = row[column];
    if (typeof value === 'string') ordered[column] = wellFormed(value);
    else if (column === 'props') ordered[column] = wellFormedProps(value as Record<string, string>);
    else ordered[column] = value;
  }
  return ordered;
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}

function wellFormedProps(props: Record<string, string>): Record<string, string> {
  // fromEntries defines own properties, so even a `__proto__` key stays an ordinary property.
  return Object.fromEntries(Object.entries(props).map(([key, value]) => [wellFormed(key), wellFormed(String(value))]));
}

/**
 * One row as the event store's insert receives it: `ts` as 'YYYY-MM-DD hh:mm:ss.sss' (UTC, the column's zone), which
 * every ClickHouse version reads into DateTime64(3) with its milliseconds (a JS Date would lose them, and how a bare
 * integer is read has varied between versions).
 */
export function eventInsertRecord(row: EventRow): Record<string, unknown> {
  const record = eventRowRecord(row);
  record.ts = clickhouseDateTime64(row.ts);
  return record;
}

/** A JSON escape of a lone surrogate, as JSON.stringify writes it (a false positive only costs the slow path). */
const ESCAPED_SURROGATE = /\\ud[89a-f]/i;

/**
 * One row as one JSONCompactEachRow line of the insert payload, which is also the journal's record format: the
 * column values in table order, `ts` as 'YYYY-MM-DD hh:mm:ss.sss'. Compact rows carry no key names, so they are
 * smaller on disk and cheaper for the engine to parse than JSONEachRow.
 */
export function eventInsertJson(row: EventRow): string {
  // Runs once per ingested event on the event loop. Fields are read by name, in table order (a test holds this list
  // to EVENT_COLUMNS): a loop over the column names made every read a megamorphic keyed load, which cost about as much
  // as the JSON.stringify.
  const json = JSON.stringify([
    row.site_id,
    clickhouseDateTime64(row.ts),
    row.event_id,
    row.name,
    row.visitor_id,
    row.session_id,
    row.user_id,
    row.hostname,
    row.pathname,
    row.query,
    row.hash,
    row.title,
    row.referrer,
    row.referrer_domain,
    row.referrer_source,
    row.channel,
    row.utm_source,
    row.utm_medium,
    row.utm_campaign,
    row.utm_content,
    row.utm_term,
    row.click_id_param,
    row.browser,
    row.browser_version,
    row.os,
    row.os_version,
    row.device,
    row.screen_w,
    row.screen_h,
    row.viewport_w,
    row.viewport_h,
    row.language,
    row.timezone,
    row.country,
    row.engagement_ms,
    row.scroll_depth,
    row.visibility_changes,
    row.interactive,
    row.props,
    row.revenue_amount,
    row.revenue_currency,
    row.is_bot,
    row.source,
  ]);
  // Rare: only a lone surrogate makes the engine refuse the row; then redo it with every string made well-formed.
  if (!ESCAPED_SURROGATE.test(json)) return json;
  const record = eventInsertRecord(row);
  return JSON.stringify(EVENT_COLUMNS.map((column) => record[column]));
}

/** Reads a line made by `eventInsertJson` back into column → value (`ts` stays the formatted string). */
export function insertRecordFromJson(line: string): Record<string, unknown> {
  const values = JSON.parse(line) as unknown[];
  const record: Record<string, unknown> = {};
  EVENT_COLUMNS.forEach((column, index) => {
    record[column] = values[index];
  });
  return record;
}

/** Reads a line made by `eventInsertJson` back into a row (`ts` back to epoch ms). */
export function eventRowFromInsertJson(line: string): EventRow {
  const record = insertRecordFromJson(line) as Omit<EventRow, 'ts'> & { ts: number | string };
  const ts = typeof record.ts === 'string' ? Date.parse(`${record.ts.replace(' ', 'T')}Z`) : record.ts;
  return { ...record, ts };
}

/** A batch as a JSONCompactEachRow payload (see `eventInsertJson`). */
export function eventRowsPayload(rows: EventBatch): Buffer {
  if (isEncoded(rows)) return rows.payload;
  return Buffer.from(rows.map(eventInsertJson).join('\n'), 'utf8');
}

export function isEncoded(rows: EventBatch): rows is EncodedEventRows {
  return !Array.isArray(rows) && (rows as EncodedEventRows).kind === 'encoded';
}

/** How many rows a batch holds, whatever its form. */
export function batchSize(rows: EventBatch): number {
  return isEncoded(rows) ? rows.count : rows.length;
}

/** The last second formatted, as 'YYYY-MM-DD hh:mm:ss.': live events arrive thousands to the second. */
let formattedSecond = Number.NaN;
let formattedPrefix = '';

/** Epoch ms → 'YYYY-MM-DD hh:mm:ss.sss' in UTC (valid for DateTime64's 1900..2299 range). */
export function clickhouseDateTime64(epochMs: number): string {
  // Whole milliseconds, as Date keeps them; NaN and infinities never match the cache and throw below, as before.
  const ms = Math.trunc(epochMs);
  const second = Math.floor(ms / 1000);
  if (second !== formattedSecond) {
    const iso = new Date(ms).toISOString();
    // 'YYYY-MM-DDThh:mm:ss.sssZ' for years 0000..9999; other years are formatted in full, uncached.
    if (iso.length !== 24) return iso.replace('T', ' ').replace('Z', '');
    formattedSecond = second;
    formattedPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 20)}`;
  }
  const millis = ms - second * 1000;
  return formattedPrefix + (millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : String(millis));
}
