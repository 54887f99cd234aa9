import UAParser from 'ua-parser-js';
import { cleanString } from '../../domain/url.js';

export type Device = 'desktop' | 'mobile' | 'tablet' | '';

/** The client columns of an event, named as in EventRow (plus browser_major for version breakdowns). */
export interface UserAgentInfo {
  browser: string;
  browser_version: string;
  browser_major: string;
  os: string;
  os_version: string;
  device: Device;
}

export type UserAgentParser = (ua: string) => UserAgentInfo;

/** Longest user agent parsed; real ones stay under 500 characters, longer ones are junk or attacks. */
export const UA_INPUT_MAX = 1000;
/** Cap for browser and OS names and versions. */
export const UA_FIELD_MAX = 64;
const DEFAULT_CACHE_SIZE = 5000;

/**
 * Browser names as stored. One name per product whatever the platform ('Mobile Safari' → 'Safari',
 * 'Mobile Firefox' → 'Firefox'): the `device` and `os` columns already say where it ran, and splitting a product
 * in two would halve it in the browser chart. Names not listed are kept as ua-parser-js gives them.
 */
const BROWSER_NAMES: ReadonlyMap<string, string> = new Map([
  ['Mobile Safari', 'Safari'],
  ['Safari Mobile', 'Safari'],
  ['Mobile Chrome', 'Chrome'],
  ['Chrome Mobile', 'Chrome'],
  ['Mobile Firefox', 'Firefox'],
  ['Firefox Mobile', 'Firefox'],
  ['Firefox Reality', 'Firefox'],
  ['Opera Mobi', 'Opera'],
  ['Opera Tablet', 'Opera'],
  ['Opera Touch', 'Opera'],
  ['Opera GX', 'Opera GX'],
  ['Edge', 'Edge'],
  ['IE', 'Internet Explorer'],
  ['IEMobile', 'Internet Explorer'],
  ['Chrome WebView', 'Chrome WebView'],
  ['Chrome Headless', 'Headless Chrome'],
  ['UCBrowser', 'UC Browser'],
  ['Yandex', 'Yandex Browser'],
  ['Samsung Internet', 'Samsung Internet'],
  ['Android Browser', 'Android Browser'],
  ['Huawei Browser', 'Huawei Browser'],
  ['MIUI Browser', 'MIUI Browser'],
]);

/**
 * OS names as stored: Apple's current names, and desktop Linux distributions folded into 'Linux' (the distribution
 * is a detail that fragments the chart and narrows down who a visitor is).
 */
const OS_NAMES: ReadonlyMap<string, string> = new Map([
  ['Mac OS', 'macOS'],
  ['Macintosh', 'macOS'],
  ['Chromium OS', 'ChromeOS'],
  ['Chrome OS', 'ChromeOS'],
  ...[
    'Ubuntu',
    'Debian',
    'Fedora',
    'Mint',
    'Arch',
    'CentOS',
    'RedHat',
    'SUSE',
    'openSUSE',
    'Gentoo',
    'Slackware',
    'Mandriva',
    'Mageia',
    'Manjaro',
    'Kubuntu',
    'Xubuntu',
    'Zenwalk',
    'PCLinuxOS',
    'Linpus',
    'VectorLinux',
    'Deepin',
    'elementary OS',
    'GNU',
  ].map((distro): [string, string] => [distro, 'Linux']),
]);

/** Systems that only run on desktops and laptops, for user agents that carry no device type. */
const DESKTOP_OS: ReadonlySet<string> = new Set([
  'Windows',
  'macOS',
  'Linux',
  'ChromeOS',
  'FreeBSD',
  'OpenBSD',
  'NetBSD',
  'Solaris',
  'Unix',
  'Haiku',
  'BeOS',
  'OS/2',
  'AIX',
  'DragonFly',
]);

/**
 * Build a user-agent parser with an LRU cache: the same few hundred user agents make up most traffic, and
 * ua-parser-js costs tens of microseconds per string while a cache hit costs well under one. The cache holds at most
 * `cacheSize` entries of at most UA_INPUT_MAX characters each, so its memory is bounded whatever clients send.
 */
export function createUserAgentParser(options: { cacheSize?: number } = {}): UserAgentParser {
  const cacheSize = Math.max(0, Math.floor(options.cacheSize ?? DEFAULT_CACHE_SIZE));
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used.
  const cache = new Map<string, UserAgentInfo>();
  const parser = new UAParser();

  return (ua) => {
    const key = typeof ua === 'string' ? ua.slice(0, UA_INPUT_MAX) : '';
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const info = parseUncached(parser, key);
    if (cacheSize > 0) {
      if (cache.size >= cacheSize) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(key, info);
    }
    return info;
  };
}

/**
 * Parse one user agent with the default cache.
 * The cache memoises a pure function, so sharing it has no effect a caller could observe beyond speed.
 *
 * @example parseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) … Version/17.4 Mobile/15E148 Safari/604.1')
 * // { browser: 'Safari', browser_version: '17.4', browser_major: '17', os: 'iOS', os_version: '17.4', device: 'mobile' }
 */
export const parseUserAgent: UserAgentParser = createUserAgentParser();

const EMPTY: UserAgentInfo = Object.freeze({
  browser: '',
  browser_version: '',
  browser_major: '',
  os: '',
  os_version: '',
  device: '',
}) as UserAgentInfo;

function parseUncached(parser: UAParser, ua: string): UserAgentInfo {
  if (ua.trim() === '') return EMPTY;
  let result: UAParser.IResult;
  try {
    result = parser.setUA(ua).getResult();
  } catch {
    return EMPTY;
  }
  const rawBrowser = result.browser.name ?? '';
  const rawOs = result.os.name ?? '';
  const browser = BROWSER_NAMES.get(rawBrowser) ?? rawBrowser;
  const os = OS_NAMES.get(rawOs) ?? rawOs;
  const browserVersion = result.browser.version ?? '';
  return Object.freeze({
    browser: cleanString(browser, UA_FIELD_MAX),
    browser_version: cleanString(browserVersion, UA_FIELD_MAX),
    browser_major: cleanString(majorOf(browserVersion), UA_FIELD_MAX),
    os: cleanString(os, UA_FIELD_MAX),
    os_version: cleanString(result.os.version ?? '', UA_FIELD_MAX),
    device: deviceOf(result.device.type, os, ua),
  });
}

function majorOf(version: string): string {
  const match = /^\d+/.exec(version);
  return match ? match[0] : '';
}

/**
 * Map ua-parser-js's device type onto desktop/mobile/tablet. Without a type: Android without the 'Mobile' token is a
 * tablet (Google's rule for its own user agents), and desktop-only systems are desktops. TVs, consoles and
 * embedded devices stay '' rather than being miscounted as one of the three.
 */
function deviceOf(type: string | undefined, os: string, ua: string): Device {
  switch (type) {
    case 'mobile':
    case 'wearable':
      return 'mobile';
    case 'tablet':
      return 'tablet';
    case undefined:
    case '':
      break;
    default:
      return '';
  }
  if (os === 'Android') return /\bMobile\b/.test(ua) ? 'mobile' : 'tablet';
  if (os === 'iOS') return /\biPad\b/.test(ua) ? 'tablet' : 'mobile';
  if (DESKTOP_OS.has(os)) return 'desktop';
  return '';
}
