import type { EventStore } from '../../packages/server/src/storage/events/event-store.js';

/**
 * Bulk load for the query benchmark: events generated inside ClickHouse with `INSERT … SELECT … FROM numbers()`, so
 * 100 million rows load in minutes instead of hours through the JS pipeline. Every value derives from cityHash64 of
 * the row's position and the seed, so the same `--seed` and `--events` give the same table on every machine.
 *
 * Shape of the data:
 * - events come in visits of 5 slots: 1–5 pageviews (40% bounce with one), then `engagement` events, and in 6% of
 *   the multi-page visits a `Signup` custom event with a `plan` prop (≈3.6% of visits convert);
 * - 30% of visitors come back for a second visit; a visitor's site, country, device, browser, OS and screen are fixed;
 * - site 1 holds 92% of the visits, sites 2–8 share the rest;
 * - paths are Zipf-distributed over 3,000 pages (`/`, `/pricing`, `/features`, `/blog`, then `/blog|docs|products|help/page-N`);
 * - the landing pageview carries referrer, source, channel and UTM (10 sources from Direct to paid search), later
 *   events have an internal referrer stored empty, as the ingest pipeline stores them;
 * - visits start uniformly over `BENCH_SPAN_DAYS` days ending at `BENCH_END_MS`, so the newest 12 months are full.
 */

/** Events per visit slot block (see above). */
export const SLOTS_PER_VISIT = 5;
/** The last generated instant (exclusive): fixed, so runs are comparable. */
export const BENCH_END_MS = Date.UTC(2025, 5, 1);
export const BENCH_SPAN_DAYS = 396;
export const BENCH_START_MS = BENCH_END_MS - BENCH_SPAN_DAYS * 86_400_000;
/** The site that gets most of the traffic; the dashboard queries run on it. */
export const LARGEST_SITE_ID = 1;

const COUNTRIES = [
  'US',
  'DE',
  'GB',
  'FR',
  'IN',
  'NL',
  'CA',
  'BR',
  'JP',
  'PL',
  'ES',
  'IT',
  'SE',
  'AU',
  'CH',
  'AT',
  'MX',
  'KR',
  'TR',
  'ZA',
];

/** `[referrer, referrer_domain, referrer_source, channel, utm_source, utm_medium, utm_campaign]` per source, with its share. */
const SOURCES: readonly [weight: number, columns: readonly string[]][] = [
  [35, ['', '', '', 'Direct', '', '', '']],
  [25, ['https://www.google.com/', 'google.com', 'Google', 'Organic Search', '', '', '']],
  [5, ['https://www.bing.com/', 'bing.com', 'Bing', 'Organic Search', '', '', '']],
  [5, ['https://duckduckgo.com/', 'duckduckgo.com', 'DuckDuckGo', 'Organic Search', '', '', '']],
  [6, ['https://t.co/', 't.co', 'Twitter', 'Organic Social', '', '', '']],
  [5, ['https://www.reddit.com/', 'reddit.com', 'Reddit', 'Organic Social', '', '', '']],
  [4, ['https://www.facebook.com/', 'facebook.com', 'Facebook', 'Organic Social', '', '', '']],
  [5, ['', '', 'newsletter', 'Email', 'newsletter', 'email', 'weekly-digest']],
  [5, ['https://github.com/', 'github.com', 'GitHub', 'Referral', '', '', '']],
  [5, ['https://www.google.com/', 'google.com', 'Google', 'Paid Search', 'google', 'cpc', 'brand']],
];

function quote(text: string): string {
  // Only our own constants reach this (no input): still escaped, so a quote in a constant cannot break the SQL.
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `multiIf` choosing column `index` of the source picked by the visit's hash (`hs % 100`). */
function sourceColumn(index: number): string {
  const total = SOURCES.reduce((sum, [weight]) => sum + weight, 0);
  let cumulative = 0;
  const branches: string[] = [];
  for (const [weight, columns] of SOURCES.slice(0, -1)) {
    cumulative += weight;
    branches.push(`src < ${Math.round((cumulative / total) * 100)}`, quote(columns[index] ?? ''));
  }
  const last = SOURCES[SOURCES.length - 1]?.[1][index] ?? '';
  return `if(k = 0, multiIf(${branches.join(', ')}, ${quote(last)}), '')`;
}

/**
 * The INSERT … SELECT for events `[offset, offset + count)` of a table of `total` events. Values are bound
 * (`{offset:UInt64}` …); the SQL text holds only our constants.
 */
export function generatedEventsInsertSql(eventsTable: string): string {
  const path = (slot: string) => `multiIf(
      rank_${slot} = 1, '/', rank_${slot} = 2, '/pricing', rank_${slot} = 3, '/features', rank_${slot} = 4, '/blog',
      concat(['/blog/', '/docs/', '/products/', '/help/'][rank_${slot} % 4 + 1], 'page-', toString(rank_${slot})))`;
  return `
INSERT INTO ${eventsTable}
  (site_id, ts, event_id, name, visitor_id, session_id, user_id, hostname, pathname, query, hash, title, referrer,
   referrer_domain, referrer_source, channel, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
   click_id_param, browser, browser_version, os, os_version, device, screen_w, screen_h, viewport_w, viewport_h,
   language, timezone, country, engagement_ms, scroll_depth, visibility_changes, interactive, props,
   revenue_amount, revenue_currency, is_bot, source)
SELECT
  site_id,
  fromUnixTimestamp64Milli(toInt64(visit_start + k * (20000 + cityHash64(s, k, 3) % 160000)), 'UTC') AS ts,
  generateUUIDv4(n) AS event_id,
  name,
  cityHash64(vkey, {seed:UInt64}, 1) AS visitor_id,
  cityHash64(s, {seed:UInt64}, 2) AS session_id,
  '' AS user_id,
  if(site_id = 1, 'bench.example', concat('site', toString(site_id), '.example')) AS hostname,
  ${path('slot')} AS pathname,
  if(k = 0 AND src >= 86, 'utm_source=x', '') AS query,
  '' AS hash,
  '' AS title,
  ${sourceColumn(0)} AS referrer,
  ${sourceColumn(1)} AS referrer_domain,
  ${sourceColumn(2)} AS referrer_source,
  if(k = 0, ${sourceColumn(3).replace(/^if\(k = 0, (.*), ''\)$/, '$1')}, 'Direct') AS channel,
  ${sourceColumn(4)} AS utm_source,
  ${sourceColumn(5)} AS utm_medium,
  ${sourceColumn(6)} AS utm_campaign,
  '' AS utm_content,
  '' AS utm_term,
  if(k = 0 AND src >= 95, 'gclid', '') AS click_id_param,
  multiIf(device = 'desktop', ['Chrome', 'Chrome', 'Firefox', 'Safari', 'Edge'][hd % 5 + 1],
          device = 'mobile', ['Chrome', 'Mobile Safari', 'Mobile Safari', 'Samsung Internet'][hd % 4 + 1],
          'Mobile Safari') AS browser,
  '131' AS browser_version,
  multiIf(device = 'desktop', ['Windows', 'Windows', 'Mac OS', 'Linux'][intDiv(hd, 7) % 4 + 1],
          browser = 'Mobile Safari', 'iOS', 'Android') AS os,
  '' AS os_version,
  multiIf(hd % 100 < 58, 'desktop', hd % 100 < 95, 'mobile', 'tablet') AS device,
  multiIf(device = 'desktop', 1920, device = 'mobile', 390, 820) AS screen_w,
  multiIf(device = 'desktop', 1080, device = 'mobile', 844, 1180) AS screen_h,
  screen_w AS viewport_w,
  screen_h - 100 AS viewport_h,
  'en-US' AS language,
  'Europe/Berlin' AS timezone,
  ${arrayLiteral(COUNTRIES)}[least(toUInt32(3 / country_u) - 2, ${COUNTRIES.length})] AS country,
  if(name = 'engagement', toUInt32(5000 + cityHash64(n, 4) % 120000), 0) AS engagement_ms,
  if(name = 'engagement', toUInt8(cityHash64(n, 5) % 101), 0) AS scroll_depth,
  0 AS visibility_changes,
  if(name = 'engagement', 0, 1) AS interactive,
  if(name = 'Signup', map('plan', ['free', 'free', 'pro', 'business'][cityHash64(s, 6) % 4 + 1]),
     CAST(map(), 'Map(String, String)')) AS props,
  CAST(NULL, 'Nullable(Decimal(18, 4))') AS revenue_amount,
  '' AS revenue_currency,
  0 AS is_bot,
  'import' AS source
FROM (
  SELECT
    number AS n,
    intDiv(number, ${SLOTS_PER_VISIT}) AS s,
    number % ${SLOTS_PER_VISIT} AS k,
    cityHash64(s, {seed:UInt64}) AS hs,
    hs % 100 AS bucket,
    multiIf(bucket < 40, 1, bucket < 55, 2, bucket < 70, 3, bucket < 85, 4, 5) AS pageviews,
    multiIf(k < pageviews, 'pageview',
            k = pageviews AND pageviews >= 2 AND intDiv(hs, 100) % 100 < 6, 'Signup',
            'engagement') AS name,
    -- a returning visitor: the visit pairs with the one before it
    -- (intDiv(s, 2) * 2, not s - 1: subtraction turns UInt64 into Int64, and the hash of a value depends on its type)
    if(s % 2 = 1 AND cityHash64(intDiv(s, 2), {seed:UInt64}, 7) % 10 < 3, intDiv(s, 2) * 2, s) AS vkey,
    cityHash64(vkey, {seed:UInt64}, 8) AS hv,
    if(hv % 100 < 92, 1, 2 + intDiv(hv, 100) % 7) AS site_id,
    cityHash64(vkey, {seed:UInt64}, 9) AS hd,
    (cityHash64(vkey, {seed:UInt64}, 10) % 1000000 + 1) / 1000000 AS country_u,
    cityHash64(s, {seed:UInt64}, 11) % 100 AS src,
    -- the event's page: pageviews walk Zipf-ranked pages, later events stay on the last pageview's page
    least(k, pageviews - 1) AS slot,
    least(toUInt32(3 * pow((cityHash64(s, slot, {seed:UInt64}, 12) % 1000000 + 1) / 1000000, -1.1)) - 2, 3000) AS rank_slot,
    -- a returning visitor's second visit starts 2–3 hours after the first one
    {startMs:UInt64} + intDiv(s * {spanMs:UInt64}, {visits:UInt64}) + cityHash64(s, 13) % 3600000
      + if(vkey != s, 7200000, 0) AS visit_start
  FROM numbers({offset:UInt64}, {count:UInt64})
)
SETTINGS max_threads = 2, max_insert_threads = 1, max_memory_usage = {maxMemory:UInt64}`;
}

function arrayLiteral(values: readonly string[]): string {
  return `[${values.map(quote).join(', ')}]`;
}

export interface LoadProgress {
  loaded: number;
  total: number;
  elapsedMs: number;
}

/**
 * Inserts `total` generated events in chunks of `chunkSize` (each one INSERT, memory-capped), reporting after each.
 * Returns the load time in ms.
 */
export async function loadGeneratedEvents(
  store: EventStore,
  options: { total: number; chunkSize: number; seed: number; maxMemoryBytes: number },
  onProgress: (progress: LoadProgress) => void = () => {},
): Promise<number> {
  const sql = generatedEventsInsertSql(store.eventsTable);
  const visits = Math.ceil(options.total / SLOTS_PER_VISIT);
  const started = performance.now();
  for (let offset = 0; offset < options.total; offset += options.chunkSize) {
    const count = Math.min(options.chunkSize, options.total - offset);
    await store.command(sql, {
      offset,
      count,
      seed: options.seed,
      startMs: BENCH_START_MS,
      spanMs: BENCH_SPAN_DAYS * 86_400_000,
      visits,
      maxMemory: options.maxMemoryBytes,
    });
    onProgress({ loaded: offset + count, total: options.total, elapsedMs: performance.now() - started });
  }
  return performance.now() - started;
}
