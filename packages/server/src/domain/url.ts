import { LIMITS } from './event.js';

/** Caps for the URL parts that have no bracket in DESIGN.md; long enough for real pages, bounded for hostile ones. */
export const QUERY_MAX = LIMITS.query;
export const HASH_MAX = LIMITS.hash;
/**
 * Longest URL handed to the WHATWG parser. Validation caps URLs at LIMITS.url earlier; this bound only keeps the
 * work per call fixed when someone calls us with a megabyte string anyway.
 */
const URL_INPUT_MAX = 4 * LIMITS.url;

export interface PageUrl {
  /** Lower-cased host as sent (IDN in punycode, `www.` kept), without a trailing dot. */
  hostname: string;
  /** Starts with '/', percent-decoded where that is lossless; with hashMode it carries `#fragment`. */
  pathname: string;
  /** Raw query string without the leading '?'. */
  query: string;
  /** Fragment without '#'; empty in hashMode because the fragment already lives in `pathname`. */
  hash: string;
}

/**
 * Cut `s` to at most `max` UTF-16 code units without leaving half of a surrogate pair at the end,
 * so a capped value is still valid UTF-8 when it is written out.
 *
 * @example capString('ab😀', 3) // 'ab'
 */
export function capString(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  const lastKept = s.charCodeAt(max - 1);
  const cut = lastKept >= 0xd800 && lastKept <= 0xdbff ? max - 1 : max;
  return s.slice(0, cut);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replace unpaired surrogates with U+FFFD. Request bodies can carry them (JSON allows `"\ud800"`) and they have no
 * UTF-8 encoding, so every string that reaches storage goes through this (or is built from strings that did).
 */
export function wellFormed(s: string): string {
  // Fast path: almost every input is pure BMP text without surrogates.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return s.replace(LONE_SURROGATE, '\uFFFD');
  }
  return s;
}

/** Cap, then make well-formed; the order matters because capping never creates a lone surrogate. */
export function cleanString(s: string, max: number): string {
  return capString(wellFormed(s), max);
}

/**
 * Split an absolute http(s) page URL into the event's URL columns. Returns undefined for anything else
 * (relative URLs, other schemes, garbage). Never throws.
 *
 * Following Plausible, in hashMode (single-page apps routing on the fragment) the page path is
 * `pathname + '#' + fragment`, so `/#/settings` and `/#/billing` are different pages.
 *
 * @example parsePageUrl('https://Example.com/caf%C3%A9?a=1#top', { hashMode: false })
 * // { hostname: 'example.com', pathname: '/café', query: 'a=1', hash: 'top' }
 */
export function parsePageUrl(url: string, opts: { hashMode: boolean }): PageUrl | undefined {
  if (typeof url !== 'string' || url.length === 0) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(capString(url.trim(), URL_INPUT_MAX));
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;

  const hostname = capString(stripTrailingDot(parsed.hostname.toLowerCase()), LIMITS.hostname);
  if (hostname === '') return undefined;

  const fragment = parsed.hash.slice(1);
  let pathname = decodePercentSafely(parsed.pathname || '/');
  let hash = decodePercentSafely(fragment);
  if (opts.hashMode && fragment !== '') {
    pathname = `${pathname}#${hash}`;
    hash = '';
  }
  if (!pathname.startsWith('/')) pathname = `/${pathname}`;

  return {
    hostname,
    pathname: cleanString(pathname, LIMITS.pathname),
    query: cleanString(parsed.search.slice(1), QUERY_MAX),
    hash: cleanString(hash, HASH_MAX),
  };
}

function stripTrailingDot(host: string): string {
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) === 0x2e) end--;
  return end === host.length ? host : host.slice(0, end);
}

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Decode %XX escapes that stand for printable characters, leaving everything else exactly as sent:
 * invalid UTF-8 stays raw (`%C3` alone), and so do escapes whose decoding would change the meaning of the path
 * or hide something: '/', '?', '#', '%', '\\' and control characters. Decoding is therefore reversible and
 * `/a%2Fb` never collapses into `/a/b`.
 */
export function decodePercentSafely(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(PERCENT_RUN, decodeRun);
}

function decodeRun(run: string): string {
  try {
    return reEncodeUnsafe(decodeURIComponent(run));
  } catch {
    // The run holds invalid UTF-8 somewhere: decode it one well-formed character at a time.
  }
  const bytes: number[] = [];
  for (let i = 0; i < run.length; i += 3) bytes.push(Number.parseInt(run.slice(i + 1, i + 3), 16));
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const size = utf8SequenceLength(bytes, i);
    if (size === 0) {
      out += run.slice(i * 3, i * 3 + 3);
      i += 1;
      continue;
    }
    const escaped = run.slice(i * 3, (i + size) * 3);
    try {
      out += reEncodeUnsafe(decodeURIComponent(escaped));
    } catch {
      out += escaped;
    }
    i += size;
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence starting at bytes[i], or 0 if there is none. */
function utf8SequenceLength(bytes: number[], i: number): number {
  const lead = bytes[i] ?? 0xff;
  const size =
    lead < 0x80
      ? 1
      : lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
  if (size === 0 || i + size > bytes.length) return 0;
  for (let k = 1; k < size; k++) {
    const b = bytes[i + k] ?? 0;
    if ((b & 0xc0) !== 0x80) return 0;
  }
  return size;
}

// Control characters are matched on purpose: a decoded NUL or line break must go back to its escape.
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above.
const UNSAFE_DECODED = /[\u0000-\u001f\u007f-\u009f/?#%\\\u2028\u2029]/g;

function reEncodeUnsafe(decoded: string): string {
  return decoded.replace(UNSAFE_DECODED, encodeURIComponent);
}
