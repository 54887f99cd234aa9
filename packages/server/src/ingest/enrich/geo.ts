import { createRequire } from 'node:module';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The part of geoip-country's API we use: `lookup(ip)` → `{ country: 'US', … }` or null. */
export interface CountryDatabase {
  lookup(ip: string): { country?: unknown } | null | undefined;
}

export interface GeoLocatorOptions {
  /**
   * Lower- or mixed-case name of a header set by a trusted CDN or proxy with the visitor's country
   * (e.g. 'cf-ipcountry', 'cloudfront-viewer-country'). Only configure it when every request passes that proxy:
   * otherwise clients could choose their own country.
   */
  countryHeader?: string;
  /**
   * Opens the offline database. Called at most once, on the first lookup that needs it (or by `preload`): geoip-country
   * reads ~8 MB synchronously when required, which must not happen at import time. Defaults to geoip-country.
   */
  loadDatabase?: () => CountryDatabase;
  /** Told once if the database cannot be opened; lookups then answer '' instead of failing. */
  onLoadError?: (error: unknown) => void;
}

export interface GeoLocator {
  /** ISO-3166 alpha-2 country of the visitor, or '' when unknown (private networks, unknown ranges). Never throws. */
  countryFor(ip: string, headers: Record<string, string | string[] | undefined>): string;
  /** Open the database now (at startup) instead of on the first request. */
  preload(): void;
}

/** Loads geoip-country through require: it is CommonJS and reads its data files relative to itself. */
export function loadGeoipCountry(): CountryDatabase {
  return createRequire(import.meta.url)('geoip-country') as CountryDatabase;
}

/** Codes CDNs and MaxMind use for "not a country": unknown, Tor, Europe/Asia-Pacific at large. */
const NOT_A_COUNTRY = new Set(['XX', 'ZZ', 'T1', 'EU', 'AP', 'A1', 'A2', 'O1']);
const COUNTRY_CODE = /^[A-Z]{2}$/;

/**
 * Addresses that never locate to a country: private, loopback, link-local, carrier-grade NAT, documentation,
 * benchmarking, multicast and reserved ranges.
 */
const NON_PUBLIC_IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

function nonPublicRanges(): {
  check(ip: string, family: 'ipv4' | 'ipv6'): boolean;
  checkIpv4(value: number): boolean;
} {
  // IPv4 is checked arithmetically: BlockList builds a SocketAddress per call, which showed in ingestion profiles.
  const ipv4 = NON_PUBLIC_IPV4.map(([net, prefix]) => {
    const shift = 32 - prefix;
    return { shift, network: dottedQuadNumber(net) >>> shift };
  });
  const ipv6 = new BlockList();
  for (const [net, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['2001:db8::', 32],
    ['100::', 64],
  ] as const) {
    ipv6.addSubnet(net, prefix, 'ipv6');
  }
  function checkIpv4(value: number): boolean {
    for (const { shift, network } of ipv4) if (value >>> shift === network) return true;
    return false;
  }
  return {
    check(ip, family) {
      if (family === 'ipv6') return ipv6.check(ip, 'ipv6');
      return checkIpv4(dottedQuadNumber(ip));
    },
    checkIpv4,
  };
}

/**
 * A dotted-quad IPv4 address as an unsigned 32-bit number, or -1 for anything else: exactly the strings node:net's
 * isIPv4 accepts (four decimal parts 0–255, no leading zeros, nothing around them). One pass over the characters,
 * no allocation: every event's address goes through here.
 */
export function dottedQuadNumber(ip: string): number {
  if (typeof ip !== 'string' || ip.length < 7 || ip.length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
      continue;
    }
    if (c < 0x30 || c > 0x39 || (digits === 1 && part === 0)) return -1;
    part = part * 10 + (c - 0x30);
    digits++;
    if (part > 255) return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/**
 * Country of a request, from a trusted CDN header when one is configured and valid, else from the offline
 * GeoLite2 country database shipped in geoip-country. The IP is only looked up, never kept.
 *
 * @example createGeoLocator({ countryHeader: 'cf-ipcountry' }).countryFor('10.0.0.1', { 'cf-ipcountry': 'DE' }) // 'DE'
 */
export function createGeoLocator(options: GeoLocatorOptions = {}): GeoLocator {
  const headerName = options.countryHeader?.trim().toLowerCase() || undefined;
  const loadDatabase = options.loadDatabase ?? loadGeoipCountry;
  const nonPublic = nonPublicRanges();
  let database: CountryDatabase | undefined;
  let loadFailed = false;

  function openDatabase(): CountryDatabase | undefined {
    if (database || loadFailed) return database;
    try {
      database = loadDatabase();
    } catch (error) {
      loadFailed = true;
      options.onLoadError?.(error);
    }
    return database;
  }

  function fromHeader(headers: Record<string, string | string[] | undefined>): string {
    if (!headerName || headers === null || typeof headers !== 'object') return '';
    const raw = headers[headerName];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim().toUpperCase() ?? '';
    return COUNTRY_CODE.test(value) && !NOT_A_COUNTRY.has(value) ? value : '';
  }

  function fromDatabase(rawIp: string): string {
    // The common case, a plain dotted quad, is already normal: checked and looked up without normaliseIp's work.
    const ipv4 = dottedQuadNumber(rawIp);
    if (ipv4 !== -1) return nonPublic.checkIpv4(ipv4) ? '' : countryOf(openDatabase()?.lookup(rawIp)?.country);
    const ip = normaliseIp(rawIp);
    if (ip === '') return '';
    const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
    if (nonPublic.check(ip, family)) return '';
    return countryOf(openDatabase()?.lookup(ip)?.country);
  }

  function countryOf(country: unknown): string {
    return typeof country === 'string' && COUNTRY_CODE.test(country) && !NOT_A_COUNTRY.has(country) ? country : '';
  }

  return {
    countryFor(ip, headers) {
      try {
        return fromHeader(headers) || fromDatabase(ip);
      } catch {
        return '';
      }
    },
    preload() {
      openDatabase();
    },
  };
}

/**
 * A bare IPv4 or IPv6 address, or '' if `raw` is not one. Accepts `[v6]` and a zone id (`fe80::1%eth0`). IPv4-mapped
 * IPv6 (`::ffff:192.0.2.1` or `::ffff:c000:201`, what dual-stack sockets report for IPv4 clients) and NAT64
 * addresses (`64:ff9b::192.0.2.1`) become the IPv4 address they carry.
 */
export function normaliseIp(raw: string): string {
  if (typeof raw !== 'string') return '';
  let ip = raw.trim().slice(0, 64);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const zone = ip.indexOf('%');
  if (zone !== -1) ip = ip.slice(0, zone);
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return '';
  const groups = ipv6Groups(ip.toLowerCase());
  if (!groups) return '';
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const mapped = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff;
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (mapped || nat64) return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  return ip.toLowerCase();
}

/** The eight 16-bit groups of an address that isIPv6 accepted; a dotted IPv4 tail counts as two groups. */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...rest];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}
