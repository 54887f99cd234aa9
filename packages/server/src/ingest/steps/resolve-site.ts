import { normalizeDomain } from '../../domain/domain-name.js';
import type { Site } from '../../domain/site.js';
import { cleanString } from '../../domain/url.js';
import type { SiteRepository } from '../../storage/meta/meta-store.js';
import type { RawEvent } from '../types.js';
import { type Drop, drop } from './draft.js';

/** The slice of the site repository ingestion reads. */
export type SiteLookup = Pick<SiteRepository, 'findById' | 'findByDomain' | 'findByPublicId'>;

/** One event may be recorded for several sites (Plausible's comma-separated `domain`); more are ignored. */
export const MAX_SITES_PER_EVENT = 10;
export const SITE_CACHE_TTL_MS = 60_000;
export const SITE_CACHE_MAX_ENTRIES = 10_000;

export type SiteResolution = { ok: true; site: Site } | Drop;

export interface SiteResolver {
  /**
   * The sites an event addresses, in the order it names them, one entry each: the site, or `unknown_site`.
   * Addressing, first match wins: API-key site id, public id (Umami's `website`), the domain list, else the page's
   * own hostname (Plausible does the same when `domain` is missing). Two names of one site give one entry.
   */
  resolve(raw: RawEvent, pageHostname: string): Promise<SiteResolution[]>;
  /** Forgets every cached answer: a site was deleted or its domain changed on this node (others wait out the TTL). */
  forget(): void;
}

interface CacheEntry {
  site: Site | undefined;
  expiresAt: number;
}

/** Distinct domain spellings whose normalised cache key is remembered (a flood of made-up names just refills it). */
const DOMAIN_KEYS_MAX = 1_000;

/**
 * Step 2, resolve site, with a small cache in front of the metadata store: every event needs its site, and a
 * database round trip per pageview would be the ingest path's slowest part.
 *
 * Unknown domains are cached too (negative caching), so a flood of events for a site nobody registered costs one
 * lookup per minute, not one per event; a site added in the dashboard is found within the TTL. Concurrent lookups
 * of one key share a single query. The cache holds at most `maxEntries` keys and drops the oldest first.
 *
 * A cached answer is given without waiting on anything: resolving is the same work for every event of a site,
 * so a cache hit costs one map lookup (the domain's normalisation is remembered too), not a chain of promises.
 */
export function createSiteResolver(deps: {
  sites: SiteLookup;
  clock: () => number;
  ttlMs?: number;
  maxEntries?: number;
}): SiteResolver {
  const { sites, clock } = deps;
  const ttlMs = deps.ttlMs ?? SITE_CACHE_TTL_MS;
  const maxEntries = deps.maxEntries ?? SITE_CACHE_MAX_ENTRIES;
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<Site | undefined>>();
  /** Domain as sent → its cache key (`domain:<normalised>`), or null when it is not a domain. Pure, so never stale. */
  const domainKeys = new Map<string, string | null>();

  /** The site under `key`: at once when cached, else a promise of the store's answer. */
  function cached(key: string, load: () => Promise<Site | undefined>): Site | undefined | Promise<Site | undefined> {
    const entry = cache.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > clock()) return entry.site;
      cache.delete(key);
    }
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    const loading = load()
      .then((site) => {
        cache.set(key, { site, expiresAt: clock() + ttlMs });
        while (cache.size > maxEntries) {
          const oldest = cache.keys().next();
          if (oldest.done) break;
          cache.delete(oldest.value);
        }
        return site;
      })
      // a failed lookup (store down) is not cached: the next event tries again
      .finally(() => inFlight.delete(key));
    inFlight.set(key, loading);
    return loading;
  }

  function domainKey(name: string): string | null {
    let key = domainKeys.get(name);
    if (key === undefined) {
      const domain = normalizeDomain(name);
      key = domain === undefined ? null : `domain:${domain}`;
      if (domainKeys.size >= DOMAIN_KEYS_MAX) domainKeys.clear();
      domainKeys.set(name, key);
    }
    return key;
  }

  function byDomain(name: string): SiteResolution | Promise<SiteResolution> {
    const key = domainKey(name);
    if (key === null) return drop('unknown_site', `"${cleanString(name, 253)}" is not a domain`);
    const domain = key.slice('domain:'.length);
    const found = cached(key, () => sites.findByDomain(domain));
    const answer = (site: Site | undefined): SiteResolution =>
      site === undefined ? drop('unknown_site', `no site is registered for ${domain}`) : { ok: true, site };
    return found instanceof Promise ? found.then(answer) : answer(found);
  }

  function resolveNow(raw: RawEvent, pageHostname: string): SiteResolution[] | Promise<SiteResolution[]> {
    if (raw.siteId !== undefined) {
      const id = raw.siteId;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
        return [drop('unknown_site', 'site id is not valid')];
      const answer = (site: Site | undefined): SiteResolution[] => [
        site === undefined ? drop('unknown_site', `no site has id ${id}`) : { ok: true, site },
      ];
      const found = cached(`id:${id}`, () => sites.findById(id));
      return found instanceof Promise ? found.then(answer) : answer(found);
    }

    if (raw.sitePublicId !== undefined) {
      const publicId = typeof raw.sitePublicId === 'string' ? raw.sitePublicId.trim().toLowerCase() : '';
      if (publicId === '' || publicId.length > 64) return [drop('unknown_site', 'website id is not valid')];
      const answer = (site: Site | undefined): SiteResolution[] => [
        site === undefined ? drop('unknown_site', `no site has id ${publicId}`) : { ok: true, site },
      ];
      const found = cached(`public:${publicId}`, () => sites.findByPublicId(publicId));
      return found instanceof Promise ? found.then(answer) : answer(found);
    }

    const names: string[] = [];
    if (Array.isArray(raw.domains)) {
      for (const name of raw.domains) {
        if (names.length >= MAX_SITES_PER_EVENT) break;
        if (typeof name === 'string' && name.trim() !== '') names.push(name);
      }
    }
    if (names.length === 0) names.push(pageHostname);

    if (names.length === 1) {
      const only = byDomain(names[0] as string);
      return only instanceof Promise ? only.then((resolution) => [resolution]) : [only];
    }
    const resolutions = names.map(byDomain);
    return resolutions.some((resolution) => resolution instanceof Promise)
      ? Promise.all(resolutions).then(oncePerSite)
      : oncePerSite(resolutions as SiteResolution[]);
  }

  return {
    forget() {
      cache.clear();
    },
    resolve(raw, pageHostname) {
      try {
        const resolutions = resolveNow(raw, pageHostname);
        return resolutions instanceof Promise ? resolutions : Promise.resolve(resolutions);
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** Two names of one site (`example.com`, `www.example.com`) give one entry, the first. */
function oncePerSite(resolutions: SiteResolution[]): SiteResolution[] {
  const results: SiteResolution[] = [];
  const seenSites = new Set<number>();
  for (const resolution of resolutions) {
    if (resolution.ok) {
      if (seenSites.has(resolution.site.id)) continue;
      seenSites.add(resolution.site.id);
    }
    results.push(resolution);
  }
  return results;
}
