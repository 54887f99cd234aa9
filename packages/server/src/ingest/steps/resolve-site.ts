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
}

interface CacheEntry {
  site: Site | undefined;
  expiresAt: number;
}

/**
 * Step 2, resolve site, with a small cache in front of the metadata store: every event needs its site, and a
 * database round trip per pageview would be the ingest path's slowest part.
 *
 * Unknown domains are cached too (negative caching), so a flood of events for a site nobody registered costs one
 * lookup per minute, not one per event; a site added in the dashboard is found within the TTL. Concurrent lookups
 * of one key share a single query. The cache holds at most `maxEntries` keys and drops the oldest first.
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

  function cached(key: string, load: () => Promise<Site | undefined>): Promise<Site | undefined> {
    const entry = cache.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > clock()) return Promise.resolve(entry.site);
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

  async function byDomain(name: string): Promise<SiteResolution> {
    const domain = normalizeDomain(name);
    if (domain === undefined) return drop('unknown_site', `"${cleanString(name, 253)}" is not a domain`);
    const site = await cached(`domain:${domain}`, () => sites.findByDomain(domain));
    return site === undefined ? drop('unknown_site', `no site is registered for ${domain}`) : { ok: true, site };
  }

  return {
    async resolve(raw, pageHostname) {
      if (raw.siteId !== undefined) {
        const id = raw.siteId;
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
          return [drop('unknown_site', 'site id is not valid')];
        const site = await cached(`id:${id}`, () => sites.findById(id));
        return [site === undefined ? drop('unknown_site', `no site has id ${id}`) : { ok: true, site }];
      }

      if (raw.sitePublicId !== undefined) {
        const publicId = typeof raw.sitePublicId === 'string' ? raw.sitePublicId.trim().toLowerCase() : '';
        if (publicId === '' || publicId.length > 64) return [drop('unknown_site', 'website id is not valid')];
        const site = await cached(`public:${publicId}`, () => sites.findByPublicId(publicId));
        return [site === undefined ? drop('unknown_site', `no site has id ${publicId}`) : { ok: true, site }];
      }

      const names = Array.isArray(raw.domains)
        ? raw.domains.filter((name): name is string => typeof name === 'string' && name.trim() !== '')
        : [];
      if (names.length === 0) names.push(pageHostname);

      const results: SiteResolution[] = [];
      const seenSites = new Set<number>();
      for (const resolution of await Promise.all(names.slice(0, MAX_SITES_PER_EVENT).map(byDomain))) {
        if (resolution.ok) {
          if (seenSites.has(resolution.site.id)) continue;
          seenSites.add(resolution.site.id);
        }
        results.push(resolution);
      }
      return results;
    },
  };
}
