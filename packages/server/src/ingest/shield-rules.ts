import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Shield, ShieldKind } from '../domain/account.js';
import { LIMITS } from '../domain/event.js';
import { normaliseIp } from './enrich/geo.js';

/**
 * Shields: a site's rules for events it never wants recorded (its own office, a staging host, an admin area, a
 * country it does not serve). This file holds what a rule may say (`parseShieldValue`, used by the settings API)
 * and how a site's rules match an event (`compileShields`, used by the ingestion step).
 */

/** A site may have at most this many shields: matching stays cheap, and a list this long is a mistake. */
export const MAX_SHIELDS_PER_SITE = 1_000;
/** Longest path pattern; a real one is a few dozen characters. */
export const MAX_PATH_PATTERN_LENGTH = 500;
/** Wildcards per path pattern; more than any real pattern needs, and it bounds the matcher's work per character. */
export const MAX_PATH_WILDCARDS = 16;

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const COUNTRY = /^[A-Za-z]{2}$/;
const PREFIX_LENGTH = /^\d{1,3}$/;

export type ShieldValueCheck = { ok: true; value: string } | { ok: false; error: string };

/**
 * Checks a shield's value for its kind and returns it in the form stored and matched, or what is wrong with it:
 * - ip: an IPv4 or IPv6 address, or a CIDR range (`203.0.113.0/24`, `2001:db8::/32`); IPv6 is lower-cased, and an
 *   IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is stored as the IPv4 address it is.
 * - country: an ISO 3166 alpha-2 code, upper-cased.
 * - path: a path pattern starting with `/`; `*` matches within one segment, `**` across segments (as goals do).
 * - hostname: a host name (`staging.example.com`) or every subdomain of one (`*.example.com`), lower-cased and in
 *   punycode, since that is how event hostnames are recorded.
 *
 * @example parseShieldValue('country', ' de ') // { ok: true, value: 'DE' }
 */
export function parseShieldValue(kind: ShieldKind, input: unknown): ShieldValueCheck {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, error: 'value is required' };
  const value = input.trim();
  switch (kind) {
    case 'ip':
      return parseIpShield(value);
    case 'country':
      return COUNTRY.test(value)
        ? { ok: true, value: value.toUpperCase() }
        : { ok: false, error: 'a country shield is a two-letter ISO 3166 code, e.g. DE' };
    case 'path':
      return parsePathShield(value);
    case 'hostname':
      return parseHostnameShield(value);
  }
}

function parseIpShield(value: string): ShieldValueCheck {
  const invalid = {
    ok: false as const,
    error: 'an ip shield is an IPv4 or IPv6 address or a CIDR range, e.g. 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32',
  };
  if (value.length > 64) return invalid;
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const prefixText = slash === -1 ? undefined : value.slice(slash + 1);
  if (!isIPv4(address) && !isIPv6(address)) return invalid;
  const normalised = normaliseIp(address);
  if (normalised === '') return invalid;
  if (prefixText === undefined) return { ok: true, value: normalised };
  if (!PREFIX_LENGTH.test(prefixText)) return invalid;
  const prefix = Number(prefixText);
  if (isIPv4(address)) {
    if (prefix > 32) return { ok: false, error: 'an IPv4 range has a prefix length from 0 to 32' };
    return { ok: true, value: `${address}/${prefix}` };
  }
  // A range written over IPv4-mapped (or NAT64) IPv6 would silently mean an IPv4 range; ask for that form instead.
  if (isIPv4(normalised)) return { ok: false, error: 'write IPv4 ranges in dotted form, e.g. 203.0.113.0/24' };
  if (prefix > 128) return { ok: false, error: 'an IPv6 range has a prefix length from 0 to 128' };
  return { ok: true, value: `${normalised}/${prefix}` };
}

function parsePathShield(value: string): ShieldValueCheck {
  if (!value.startsWith('/')) return { ok: false, error: 'a path shield starts with /, e.g. /admin/**' };
  if (value.length > MAX_PATH_PATTERN_LENGTH) {
    return { ok: false, error: `a path shield is at most ${MAX_PATH_PATTERN_LENGTH} characters` };
  }
  // Runs of three or more stars mean what `**` means; keeping them would only slow matching.
  const pattern = value.replace(/\*{3,}/g, '**');
  if (wildcardCount(pattern) > MAX_PATH_WILDCARDS) {
    return { ok: false, error: `a path shield has at most ${MAX_PATH_WILDCARDS} wildcards (* or **)` };
  }
  return { ok: true, value: pattern };
}

function wildcardCount(pattern: string): number {
  return pattern.match(/\*\*?/g)?.length ?? 0;
}

function parseHostnameShield(value: string): ShieldValueCheck {
  const invalid = {
    ok: false as const,
    error: 'a hostname shield is a host name such as staging.example.com, or *.example.com for every subdomain',
  };
  const wildcard = value.startsWith('*.');
  const host = canonicalHost(wildcard ? value.slice(2) : value);
  if (host === undefined) return invalid;
  return { ok: true, value: wildcard ? `*.${host}` : host };
}

/** Lower-case punycode host as event rows carry it (no www stripping: `www.` is a host of its own here). */
function canonicalHost(text: string): string | undefined {
  if (text === '' || text.length > LIMITS.hostname || /[\s/?#@:*\\]/.test(text)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${text}`).hostname;
  } catch {
    return undefined;
  }
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  if (hostname === '' || hostname.length > LIMITS.hostname) return undefined;
  if (isIPv4(hostname)) return hostname;
  const labels = hostname.split('.');
  return labels.every((label) => HOST_LABEL.test(label)) ? hostname : undefined;
}

/** What a shield is matched against: the client (before its IP is forgotten) and the page. */
export interface ShieldSubject {
  /** The client IP the pipeline uses for the visitor id (the request's, or the API event's own `ip`). */
  ip: string;
  /** The page's hostname, lower-case. */
  hostname: string;
  pathname: string;
  /** The client's country; called only when the site has country shields, since it costs a lookup. */
  country: () => string;
}

/** A site's shields, compiled for matching. */
export interface ShieldRules {
  /** How many shields the site has; 0 means every event passes without further work. */
  readonly size: number;
  /** The kind of the first shield the event matches (ip, hostname, path, then country), or undefined. */
  match(subject: ShieldSubject): ShieldKind | undefined;
}

export const NO_SHIELDS: ShieldRules = { size: 0, match: () => undefined };

interface Ipv4Range {
  network: number;
  mask: number;
}

/**
 * Compiles a site's shields once, so checking an event is a few set and range lookups. Values are expected in the
 * form `parseShieldValue` returns; one that is not (edited in the database by hand) is skipped rather than allowed to
 * break ingestion.
 *
 * IPv4 ranges are compared arithmetically: `BlockList.check` allocates per call, which showed on the ingest path.
 * IPv6 goes through a BlockList. The client IP is normalised as the geo step does, so an IPv4 client seen through a
 * dual-stack socket (`::ffff:203.0.113.7`) matches an IPv4 shield.
 *
 * @example compileShields([{ kind: 'path', value: '/admin/**' }]).match({ ip: '', hostname: 'example.com',
 *   pathname: '/admin/users', country: () => '' }) // 'path'
 */
export function compileShields(shields: ReadonlyArray<Pick<Shield, 'kind' | 'value'>>): ShieldRules {
  const ipv4: Ipv4Range[] = [];
  let ipv6: BlockList | undefined;
  const countries = new Set<string>();
  const paths: PathMatcher[] = [];
  const hosts = new Set<string>();
  const hostSuffixes: string[] = [];
  let size = 0;

  for (const shield of shields) {
    const checked = parseShieldValue(shield.kind, shield.value);
    if (!checked.ok) continue;
    const value = checked.value;
    size++;
    switch (shield.kind) {
      case 'ip': {
        const [address = '', prefixText] = value.split('/');
        if (isIPv4(address)) {
          const prefix = prefixText === undefined ? 32 : Number(prefixText);
          const mask = ipv4Mask(prefix);
          ipv4.push({ network: (ipv4Number(address) & mask) >>> 0, mask });
        } else {
          ipv6 ??= new BlockList();
          if (prefixText === undefined) ipv6.addAddress(address, 'ipv6');
          else ipv6.addSubnet(address, Number(prefixText), 'ipv6');
        }
        break;
      }
      case 'country':
        countries.add(value);
        break;
      case 'path':
        paths.push(pathMatcher(value));
        break;
      case 'hostname':
        if (value.startsWith('*.')) hostSuffixes.push(value.slice(1));
        else hosts.add(value);
        break;
    }
  }
  if (size === 0) return NO_SHIELDS;

  const ipv6Rules = ipv6;
  const hasIpRules = ipv4.length > 0 || ipv6Rules !== undefined;

  function ipMatches(rawIp: string): boolean {
    const ip = normaliseIp(rawIp);
    if (ip === '') return false;
    if (isIPv4(ip)) {
      const value = ipv4Number(ip);
      for (const range of ipv4) if ((value & range.mask) >>> 0 === range.network) return true;
      return false;
    }
    return ipv6Rules?.check(ip, 'ipv6') ?? false;
  }

  function hostMatches(hostname: string): boolean {
    if (hosts.has(hostname)) return true;
    for (const suffix of hostSuffixes) if (hostname.endsWith(suffix)) return true;
    return false;
  }

  return {
    size,
    match(subject) {
      if (hasIpRules && ipMatches(subject.ip)) return 'ip';
      if ((hosts.size > 0 || hostSuffixes.length > 0) && hostMatches(subject.hostname)) return 'hostname';
      for (const path of paths) if (path(subject.pathname)) return 'path';
      if (countries.size > 0) {
        const country = subject.country();
        if (country !== '' && countries.has(country)) return 'country';
      }
      return undefined;
    },
  };
}

/** Network mask of an IPv4 prefix length. `<< 32` is `<< 0` in JavaScript, hence the special case. */
function ipv4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Dotted quad → unsigned 32-bit number; the caller has checked it is an IPv4 address. */
function ipv4Number(ip: string): number {
  let value = 0;
  for (const part of ip.split('.')) value = value * 256 + Number(part);
  return value >>> 0;
}

type PathMatcher = (pathname: string) => boolean;

const LITERAL = 0;
const STAR = 1;
const GLOBSTAR = 2;

/**
 * A path pattern as a matcher with the semantics of goals' patterns (stats/compile.ts `wildcardToRegex`): anchored at
 * both ends, `*` matching any run of characters but `/`, `**` any run at all, everything else itself.
 *
 * Not a regular expression: the path is attacker-controlled, and a backtracking engine takes time exponential in the
 * number of wildcards on a non-matching path (`/**a**a**a…b` against 2,000 `a`s does not finish). This simulates the
 * pattern's automaton instead, one pass over the path with a set of live positions in the pattern: at most
 * (path length × pattern length) steps, and usually a handful, since most patterns fail on their literal prefix.
 */
function pathMatcher(pattern: string): PathMatcher {
  const kinds: number[] = [];
  const chars: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*') {
      kinds.push(LITERAL);
      chars.push(pattern.charCodeAt(i));
    } else if (pattern[i + 1] === '*') {
      kinds.push(GLOBSTAR);
      chars.push(0);
      i++;
    } else {
      kinds.push(STAR);
      chars.push(0);
    }
  }
  if (!kinds.includes(STAR) && !kinds.includes(GLOBSTAR)) return (pathname) => pathname === pattern;

  const length = kinds.length;
  const SLASH = 0x2f;
  /** Marks position `at` live, and every position after a run of wildcards there (a wildcard may match nothing). */
  const enter = (states: Uint8Array, at: number) => {
    let position = at;
    states[position] = 1;
    while (position < length && kinds[position] !== LITERAL) states[++position] = 1;
  };
  return (pathname) => {
    let current = new Uint8Array(length + 1);
    let next = new Uint8Array(length + 1);
    enter(current, 0);
    for (let c = 0; c < pathname.length; c++) {
      const code = pathname.charCodeAt(c);
      next.fill(0);
      let live = false;
      for (let position = 0; position < length; position++) {
        if (current[position] === 0) continue;
        const kind = kinds[position];
        if (kind === LITERAL) {
          if (chars[position] === code) {
            enter(next, position + 1);
            live = true;
          }
        } else if (kind === GLOBSTAR || code !== SLASH) {
          enter(next, position);
          live = true;
        }
      }
      if (!live) return false;
      [current, next] = [next, current];
    }
    return current[length] === 1;
  };
}
