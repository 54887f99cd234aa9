import type { User } from '../domain/account.js';
import type { Site } from '../domain/site.js';
import { SITE_CACHE_TTL_MS } from '../ingest/steps/resolve-site.js';
import type { Logger } from '../logging.js';
import type { EventStore } from '../storage/events/event-store.js';
import type { MetaStore } from '../storage/meta/meta-store.js';

/**
 * Ingestion keeps resolving a deleted site from its cache for up to SITE_CACHE_TTL_MS, and the journal may hold
 * events for it that are not flushed yet. After this long every such event has reached the event store.
 */
export const STRAGGLER_SWEEP_DELAY_MS = SITE_CACHE_TTL_MS + 30_000;
const SWEEP_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000];

export class TransferError extends Error {
  override name = 'TransferError';
}

export interface SiteService {
  /**
   * Deletes a site with all its events. Events go first, so a failing event store leaves the site intact and the
   * owner can simply retry. The metadata follows (members, invitations, shares, keys, shields, goals and funnels by
   * cascade). A later sweep removes events that were still in flight for the old id.
   */
  deleteSite(site: Site): Promise<void>;
  /**
   * Makes the member with this (normalised) email the owner; the previous owner stays on as admin.
   * Throws TransferError (a 400) when that person is not a member yet or already owns the site.
   */
  transferSite(site: Site, from: User, email: string): Promise<User>;
  /** Cancels pending sweeps (shutdown): a later start cannot know about them, and orphan rows are invisible anyway. */
  close(): void;
}

export function createSiteService(deps: {
  meta: MetaStore;
  events: EventStore;
  logger: Logger;
  sweepDelayMs?: number;
  retryDelaysMs?: readonly number[];
}): SiteService {
  const { meta, events, logger } = deps;
  const sweepDelayMs = deps.sweepDelayMs ?? STRAGGLER_SWEEP_DELAY_MS;
  const retryDelaysMs = deps.retryDelaysMs ?? SWEEP_RETRY_DELAYS_MS;
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  function schedule(siteId: number, delayMs: number, attempt: number) {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      events.deleteSite(siteId).then(
        () => logger.debug({ siteId }, 'removed late events of a deleted site'),
        (error: unknown) => {
          const retryIn = retryDelaysMs[attempt];
          logger.error({ err: error, siteId, retryIn }, 'removing late events of a deleted site failed');
          if (retryIn !== undefined) schedule(siteId, retryIn, attempt + 1);
        },
      );
    }, delayMs);
    // A pending sweep must not keep a stopping process alive.
    timer.unref();
    timers.add(timer);
  }

  return {
    async deleteSite(site) {
      await events.deleteSite(site.id);
      await meta.sites.delete(site.id);
      schedule(site.id, sweepDelayMs, 0);
    },

    async transferSite(site, from, email) {
      if (email === from.email) throw new TransferError('You already own this site; name the member who should own it');
      const target = await meta.users.findByEmail(email);
      const membership = target === undefined ? undefined : await meta.members.find(site.id, target.id);
      if (target === undefined || membership === undefined) {
        throw new TransferError(
          `${email} is not a member of ${site.domain}; invite them first, then transfer the site once they have joined`,
        );
      }
      await meta.members.transferOwnership(site.id, target.id);
      return target;
    },

    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
