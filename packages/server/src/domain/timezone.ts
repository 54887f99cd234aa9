/**
 * Time zones a site's days may be counted in. The same name is later handed to ClickHouse, so only IANA names
 * (and `UTC`) pass: no offsets, no spaces, nothing the engine could read differently than Intl did. Pure; never throws.
 */

const MAX_TIMEZONE_LENGTH = 64;
/** IANA names are ASCII letters, digits, `/`, `_`, `-` and `+` (`America/Port-au-Prince`, `Etc/GMT+5`). */
const IANA_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * True when `tz` is `UTC` or an IANA time zone name this runtime knows.
 *
 * @example isValidTimezone('Europe/Berlin') // true
 * @example isValidTimezone('+01:00') // false
 */
export function isValidTimezone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > MAX_TIMEZONE_LENGTH) return false;
  if (!IANA_SHAPE.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

let canonicalByLowercase: Map<string, string> | undefined;

/**
 * Returns the spelling to store for a time zone, or `undefined` if it is not valid: surrounding spaces dropped and the
 * case fixed (`europe/berlin` → `Europe/Berlin`, `utc` → `UTC`), since ClickHouse looks zone names up case-sensitively.
 * Aliases stay as written (`Asia/Kolkata` is not rewritten to ICU's `Asia/Calcutta`).
 */
export function normalizeTimezone(tz: string): string | undefined {
  if (typeof tz !== 'string') return undefined;
  const trimmed = tz.trim();
  if (!isValidTimezone(trimmed)) return undefined;
  if (trimmed.toUpperCase() === 'UTC') return 'UTC';
  canonicalByLowercase ??= new Map(Intl.supportedValuesOf('timeZone').map((name) => [name.toLowerCase(), name]));
  return canonicalByLowercase.get(trimmed.toLowerCase()) ?? trimmed;
}
