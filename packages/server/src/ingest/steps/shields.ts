import type { Shield } from '../../domain/account.js';
import type { ShieldRepository } from '../../storage/meta/meta-store.js';
import { compileShields, type ShieldRules } from '../shield-rules.js';
import { type Drop, drop, type EventDraft } from './draft.js';
import type { GeoLocator } from './geo.js';

/** Where the shields step gets a site's compiled rules; synchronous when they are cached (the common case). */
export interface ShieldLookup {
  rulesFor(siteId: number): ShieldRules | Promise<ShieldRules>;
}

const DROP_REASONS = {
  ip: 'shield_ip',
  country: 'shield_country',
  path: 'shield_path',
  hostname: 'shield_hostname',
} as const;

/**
 * Shields (after bot / spam referrer, before the user agent is parsed): drops an event that one of the site's
 * shields matches, with `shield_<kind>`. Runs per site, since each site has its own shields.
 *
 * It reads `draft.client.ip`, the same address the visitor-id step hashes later (an API event's own `ip`, or the
 * request's). A country shield needs the country before the geo step runs; it is looked up here the same way, and
 * only for sites that have country shields.
 *
 * Returns a drop, undefined, or (when the site's rules are not cached yet) a promise of either.
 */
export function shieldStep(
  draft: EventDraft,
  siteId: number,
  lookup: ShieldLookup,
  geo: GeoLocator,
): Drop | undefined | Promise<Drop | undefined> {
  const rules = lookup.rulesFor(siteId);
  return rules instanceof Promise ? rules.then((loaded) => check(draft, loaded, geo)) : check(draft, rules, geo);
}

function check(draft: EventDraft, rules: ShieldRules, geo: GeoLocator): Drop | undefined {
  if (rules.size === 0) return undefined;
  const { client, row } = draft;
  const matched = rules.match({
    ip: client.ip,
    hostname: row.hostname,
    pathname: row.pathname,
    country: () => geo.countryFor(client.ip, client.headers),
  });
  return matched === undefined ? undefined : drop(DROP_REASONS[matched]);
}

/** A change to a site's shields reaches ingestion on other nodes within this time (on this node at once). */
export const SHIELD_CACHE_TTL_MS = 10_000;
export const SHIELD_CACHE_MAX_SITES = 10_000;

export interface ShieldCache extends ShieldLookup {
  /** Forgets a site's rules, so the next event loads them again. */
  invalidate(siteId: number): void;
  /**
   * The repository, with every change passed through `invalidate`: give this one to the settings routes and a new or
   * deleted shield applies to this node's very next event.
   */
  readonly repository: ShieldRepository;
}

interface Entry {
  rules: ShieldRules;
  expiresAt: number;
}

/**
 * The shields step's view of the metadata store: a site's shields compiled once and kept for `ttlMs`, because
 * reading them per event would put a database round trip on every pageview. Concurrent loads of one site share one
 * query. When a reload fails (the store is briefly away), the rules last loaded keep applying and the next event
 * tries again; with nothing loaded yet, the failure propagates and the request is answered with an error rather
 * than letting blocked traffic through. At most `maxSites` sites are kept, the least recently loaded dropped first.
 *
 * @example
 * const shields = createShieldCache({ repository: meta.shields, clock: Date.now });
 * createPipeline({ …, shields }); // and shields.repository for the routes that change them
 */
export function createShieldCache(deps: {
  repository: ShieldRepository;
  clock: () => number;
  ttlMs?: number;
  maxSites?: number;
}): ShieldCache {
  const { repository, clock } = deps;
  const ttlMs = deps.ttlMs ?? SHIELD_CACHE_TTL_MS;
  const maxSites = deps.maxSites ?? SHIELD_CACHE_MAX_SITES;
  const cache = new Map<number, Entry>();
  const loading = new Map<number, Promise<ShieldRules>>();
  /** Bumped per site on every invalidation, so a load that started before a change does not cache stale rules. */
  const generations = new Map<number, number>();

  function load(siteId: number, stale: Entry | undefined): Promise<ShieldRules> {
    const pending = loading.get(siteId);
    if (pending !== undefined) return pending;
    const generation = generations.get(siteId) ?? 0;
    const started = repository
      .listForSite(siteId)
      .then(
        (shields: Shield[]) => {
          const rules = compileShields(shields);
          if ((generations.get(siteId) ?? 0) === generation) {
            cache.delete(siteId);
            cache.set(siteId, { rules, expiresAt: clock() + ttlMs });
            while (cache.size > maxSites) {
              const oldest = cache.keys().next();
              if (oldest.done) break;
              cache.delete(oldest.value);
            }
          }
          return rules;
        },
        (error: unknown) => {
          if (stale === undefined) throw error;
          return stale.rules;
        },
      )
      .finally(() => {
        if (loading.get(siteId) === started) loading.delete(siteId);
      });
    loading.set(siteId, started);
    return started;
  }

  function invalidate(siteId: number): void {
    cache.delete(siteId);
    loading.delete(siteId);
    generations.set(siteId, (generations.get(siteId) ?? 0) + 1);
    if (generations.size > maxSites) generations.clear();
  }

  return {
    rulesFor(siteId) {
      const entry = cache.get(siteId);
      if (entry !== undefined && entry.expiresAt > clock()) return entry.rules;
      return load(siteId, entry);
    },
    invalidate,
    repository: {
      async create(shield) {
        try {
          return await repository.create(shield);
        } finally {
          invalidate(shield.siteId);
        }
      },
      listForSite: (siteId) => repository.listForSite(siteId),
      findById: (id) => repository.findById(id),
      async delete(id) {
        const existing = await repository.findById(id);
        try {
          return await repository.delete(id);
        } finally {
          if (existing !== undefined) invalidate(existing.siteId);
        }
      },
    },
  };
}
