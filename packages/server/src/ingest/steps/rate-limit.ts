import { hmacSha256 } from '../../domain/visitor-id.js';
import type { StateStore } from '../../storage/state/state-store.js';
import { type Drop, drop } from './draft.js';

/** Events per minute; 0 turns a limit off. */
export interface RateLimits {
  perIpPerMinute: number;
  perSitePerMinute: number;
}

const WINDOW_MS = 60_000;

export interface RateLimiter {
  /** Counts one event for the client; `clientKey` must be an anonymous key (see `clientRateKey`), never an IP. */
  checkClient(clientKey: string): Promise<Drop | undefined>;
  checkSite(siteId: number): Promise<Drop | undefined>;
}

/**
 * Step 3, rate limits: fixed one-minute windows counted in the state store, so every node sharing the store
 * shares the counts. A window is a key of its own (`…:<minute number>`), which expires after the minute.
 */
export function createRateLimiter(deps: { state: StateStore; clock: () => number; limits: RateLimits }): RateLimiter {
  const { state, clock, limits } = deps;

  async function overLimit(key: string, limit: number): Promise<boolean> {
    if (!(limit > 0)) return false;
    const window = Math.floor(clock() / WINDOW_MS);
    const count = await state.increment(`ratelimit:${key}:${window}`, WINDOW_MS);
    return count > limit;
  }

  return {
    async checkClient(clientKey) {
      return (await overLimit(`client:${clientKey}`, limits.perIpPerMinute))
        ? drop('rate_limited_ip', `more than ${limits.perIpPerMinute} events per minute from one client`)
        : undefined;
    },
    async checkSite(siteId) {
      return (await overLimit(`site:${siteId}`, limits.perSitePerMinute))
        ? drop('rate_limited_site', `more than ${limits.perSitePerMinute} events per minute for site ${siteId}`)
        : undefined;
    },
  };
}

/**
 * The key a client is counted under: a keyed hash of the IP under today's visitor-id salt. Raw IPs are never
 * written anywhere (DESIGN.md "Privacy"), a shared state store included, and with the salt gone after 48 hours
 * the key cannot be traced back by trying all IPv4 addresses.
 */
export function clientRateKey(salt: Buffer, ip: string): string {
  return hmacSha256(salt, Buffer.from(`ratelimit\u0000${ip}`, 'utf8'))
    .toString('base64url')
    .slice(0, 22);
}
