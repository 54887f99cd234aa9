import { randomBytes, randomUUID } from 'node:crypto';
import type { EventRow } from '../domain/event.js';
import { utcDay } from '../jobs/salt-rotation.js';
import type { StateStore } from '../storage/state/state-store.js';
import type { ReferrerClassifier } from './enrich/referrer.js';
import { parseUserAgent as defaultUserAgentParser, type UserAgentParser } from './enrich/user-agent.js';
import { createSessionTracker } from './sessions.js';
import { botStep } from './steps/bot.js';
import { campaignStep } from './steps/campaign.js';
import type { Drop, EventDraft } from './steps/draft.js';
import { type GeoLocator, geoStep } from './steps/geo.js';
import { clientRateKey, createRateLimiter, type RateLimits } from './steps/rate-limit.js';
import { referrerStep, type SpamReferrers } from './steps/referrer.js';
import { createSiteResolver, type SiteLookup } from './steps/resolve-site.js';
import { sessionStep } from './steps/session.js';
import { type ShieldLookup, shieldStep } from './steps/shields.js';
import { userAgentStep } from './steps/user-agent.js';
import { validateEvent } from './steps/validate.js';
import { type ImportSalts, type SaltSource, saltsForEvent, visitorIdsFor } from './steps/visitor-id.js';
import type { DropReason, PipelineResult, RawEvent, RequestContext } from './types.js';

export type { RateLimits } from './steps/rate-limit.js';

export interface PipelineDeps {
  sites: SiteLookup;
  /** Daily visitor-id salts (jobs/salt-rotation.ts `createSaltService`). */
  salts: SaltSource;
  /** Sessions and rate-limit counters. */
  state: StateStore;
  referrers: ReferrerClassifier;
  spam: SpamReferrers;
  geo: GeoLocator;
  /** Wall clock (epoch ms) for caches, rate-limit windows and state TTLs. Event time comes from the request. */
  clock: () => number;
  rateLimits: RateLimits;
  /** Called once per dropped (event, site) pair, e.g. to count drops. */
  onDrop?: (reason: DropReason) => void;
  /** Random per-day salts of one import run; used only for events whose `ctx.source` is `import`. */
  importSalt?: ImportSalts;
  /** Defaults to the shared, cached parser from enrich/user-agent.ts. */
  parseUserAgent?: UserAgentParser;
  /** Site cache tuning (defaults: 60 s, 10,000 keys). */
  siteCache?: { ttlMs?: number; maxEntries?: number };
  /** Each site's shields (steps/shields.ts `createShieldCache`); without it no shield applies. */
  shields?: ShieldLookup;
}

export interface Pipeline {
  /**
   * Runs one wire event through every step. Returns one result per addressed site (a comma-separated Plausible
   * `domain` fans out), or a single drop when the event itself is unusable. Drops never throw; only an outage of
   * a store the pipeline depends on (metadata, state) rejects.
   */
  process(raw: RawEvent, ctx: RequestContext): Promise<PipelineResult[]>;
  /** Drops the cached sites, so a deleted site or a changed domain takes effect on this node at once. */
  forgetSites(): void;
}

/**
 * The ingest pipeline (DESIGN.md "Ingestion"): named steps over one event, each of which fills in part of the row
 * or drops the event with a typed reason. In order:
 *
 * 1. validate & cap (steps/validate.ts) — `invalid`
 * 2. resolve site, cached (steps/resolve-site.ts) — `unknown_site`; from here on the event may be several sites'
 * 3. rate limits per client and per site, fixed one-minute windows (steps/rate-limit.ts) — `rate_limited_*`
 * 4. bot (steps/bot.ts) — `bot`
 * 5. referrer classification and spam referrer (steps/referrer.ts) — `spam_referrer`
 * 5b. shields per site: IP, hostname, path, country (steps/shields.ts) — `shield_*`
 * 6. parse user agent (steps/user-agent.ts)
 * 7. UTM & click ids, then channel (steps/campaign.ts)
 * 8. geo (steps/geo.ts)
 * 9. visitor id under the day's salt (steps/visitor-id.ts)
 * 10. session (steps/session.ts, ingest/sessions.ts)
 * 11. row complete: a fresh event_id per stored row
 *
 * Imports skip the rate limits and the bot step (history was filtered by the tool it comes from). Steps 4–8 do not
 * depend on the site and run once per event; 3, 5b, 9 and 10 run per site.
 *
 * @example
 * const pipeline = createPipeline({ sites: meta.sites, salts, state, referrers: createReferrerClassifier(),
 *   spam: createSpamReferrerList(), geo: createGeoLocator({}), clock: Date.now,
 *   rateLimits: { perIpPerMinute: config.ingestRateLimitPerIp, perSitePerMinute: config.ingestRateLimitPerSite } });
 * const results = await pipeline.process(raw, ctx);
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { salts, clock, referrers, spam, geo, importSalt, onDrop } = deps;
  const parseUserAgent = deps.parseUserAgent ?? defaultUserAgentParser;
  const resolver = createSiteResolver({ sites: deps.sites, clock, ...deps.siteCache });
  const limiter = createRateLimiter({ state: deps.state, clock, limits: deps.rateLimits });
  const sessions = createSessionTracker({ state: deps.state, clock });
  // Only used if today's salt cannot be had for a rate-limit key; then limits still work on this node.
  const fallbackRateKeySalt = randomBytes(32);

  /** Site-independent steps 4–5 and 6–8, in order; the first drop ends the event. Shields run between them. */
  const screeningSteps: Array<(draft: EventDraft) => Drop | undefined> = [
    botStep,
    (draft) => referrerStep(draft, referrers, spam),
  ];
  const enrichmentSteps: Array<(draft: EventDraft) => Drop | undefined> = [
    (draft) => userAgentStep(draft, parseUserAgent),
    campaignStep,
    (draft) => geoStep(draft, geo),
  ];

  async function clientKey(ip: string): Promise<string> {
    const salt = (await salts.saltFor(utcDay(clock()))) ?? fallbackRateKeySalt;
    return clientRateKey(salt, ip);
  }

  async function run(raw: RawEvent, ctx: RequestContext): Promise<PipelineResult[]> {
    const draft = validateEvent(raw, ctx);
    if (isDrop(draft)) return [draft];

    const resolutions = await resolver.resolve(raw, draft.row.hostname);
    const results: Array<PipelineResult | undefined> = resolutions.map((resolution) =>
      resolution.ok ? undefined : resolution,
    );
    // every index is filled (a drop or a row) before this is called
    const done = (): PipelineResult[] => results.filter((result): result is PipelineResult => result !== undefined);
    /** Indexes of results still on their way to becoming a row. */
    // A plain loop rather than flatMap, which V8 runs slowly and which stood out in profiles of this per-event path.
    let live: number[] = [];
    for (let index = 0; index < resolutions.length; index++) if (resolutions[index]?.ok) live.push(index);
    const siteAt = (index: number): number => {
      const resolution = resolutions[index];
      return resolution?.ok ? resolution.site.id : 0;
    };
    const dropLive = (reason: Drop) => {
      for (const index of live) results[index] = reason;
      live = [];
    };
    if (live.length === 0) return done();

    if (ctx.source !== 'import') {
      // API-key events are limited per key (ingest/api-key-routes.ts); a server sending for many visitors without
      // their IPs would otherwise count as one client.
      if (deps.rateLimits.perIpPerMinute > 0 && ctx.source !== 'api') {
        const limited = await limiter.checkClient(await clientKey(draft.client.ip));
        if (limited) dropLive(limited);
      }
      const stillLive: number[] = [];
      for (const index of live) {
        const limited = await limiter.checkSite(siteAt(index));
        if (limited) results[index] = limited;
        else stillLive.push(index);
      }
      live = stillLive;
      if (live.length === 0) return done();
    }

    for (const step of screeningSteps) {
      const dropped = step(draft);
      if (dropped) {
        dropLive(dropped);
        return done();
      }
    }

    if (deps.shields !== undefined) {
      const stillLive: number[] = [];
      for (const index of live) {
        let shielded = shieldStep(draft, siteAt(index), deps.shields, geo);
        if (shielded instanceof Promise) shielded = await shielded;
        if (shielded) results[index] = shielded;
        else stillLive.push(index);
      }
      live = stillLive;
      if (live.length === 0) return done();
    }

    for (const step of enrichmentSteps) {
      const dropped = step(draft);
      if (dropped) {
        dropLive(dropped);
        return done();
      }
    }

    const eventSalts = await saltsForEvent(draft, salts, importSalt);
    // One site is the common case: the draft's row is then used as is, saving a copy of ~45 columns per event.
    // Several sites each get their own copy, because the session step stamps per-site ids on it.
    const shareDraftRow = live.length === 1;
    for (const index of live) {
      const siteId = siteAt(index);
      const row: EventRow = shareDraftRow ? draft.row : { ...draft.row, props: { ...draft.row.props } };
      row.site_id = siteId;
      const dropped = await sessionStep(row, visitorIdsFor(eventSalts, siteId, draft.client), sessions);
      if (dropped) {
        results[index] = dropped;
        continue;
      }
      row.event_id = randomUUID();
      row.source = ctx.source;
      results[index] = { ok: true, row };
    }
    return done();
  }

  const forgetSites = () => resolver.forget();
  if (onDrop === undefined) return { process: run, forgetSites };
  return {
    forgetSites,
    process: (raw, ctx) =>
      run(raw, ctx).then((results) => {
        for (const result of results) if (!result.ok) onDrop(result.reason);
        return results;
      }),
  };
}

function isDrop(value: EventDraft | Drop): value is Drop {
  return 'ok' in value && value.ok === false;
}
