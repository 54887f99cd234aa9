import type { RawEvent, RequestContext } from '../ingest/types.js';
import { acceptLanguageFor, publicIpInCountry, randomVisitorLocale, type VisitorLocale } from './geography.js';
import { chance, logNormal, pickOne, type Random, randomInt, seededRandom, weightedPicker } from './random.js';
import { concreteReferrer, TRAFFIC_SOURCES, type TrafficSource } from './referrers.js';
import { DOWNLOADS, OUTBOUND_LINKS, type Section, SITE_PAGES, type SitePage } from './site-map.js';
import { REAL_USER_AGENTS, SCREEN_SIZES, type ScreenFamily, type UserAgentProfile } from './user-agents.js';

export { randomPublicIp } from './geography.js';
export { REFERRER_MIX, TRAFFIC_SOURCES } from './referrers.js';
export { PATH_MIX, SITE_PAGES } from './site-map.js';
export { REAL_USER_AGENTS } from './user-agents.js';

/**
 * Realistic synthetic traffic for one site: what `sightline demo` imports and what benchmarks replay.
 *
 * The shape follows real sites: visitors arrive on a daily rhythm in their own time zone, fewer at weekends, a little
 * more each week; about half the visits bounce, the rest read a few pages; search and social land on blog posts,
 * paid search on pricing; a couple of days spike from a Hacker News front page; a few visits in a hundred sign up.
 */
export interface TrafficOptions {
  /** The site's domain; page URLs are https://<domain>/... */
  domain: string;
  /** Length of the range, ending at `endMs`. */
  days: number;
  /** Exclusive end of the range, epoch ms. */
  endMs: number;
  /** Same seed, same events. */
  seed: number;
  /** Average unique visitors per day over the range (default 500: ~260 k events in 90 days). */
  visitorsPerDay?: number;
}

export interface GeneratedEvent {
  raw: RawEvent;
  ctx: RequestContext;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Caps keep a typo (days: 1e9) from turning into an endless loop or an out-of-memory. */
export const TRAFFIC_LIMITS = { maxDays: 3660, maxVisitorsPerDay: 200_000 } as const;
const DEFAULT_VISITORS_PER_DAY = 500;

/** Relative traffic per local hour (0–23): quiet nights, a morning climb, busy working hours, an evening tail. */
const LOCAL_HOUR_SHAPE = [
  0.18, 0.12, 0.08, 0.06, 0.06, 0.09, 0.18, 0.35, 0.6, 0.82, 0.95, 1, 0.95, 0.97, 1, 0.97, 0.9, 0.8, 0.7, 0.68, 0.66,
  0.6, 0.45, 0.3,
];
/** Relative traffic per UTC weekday (Sunday first), normalised below so the weekly mean is 1. */
const WEEKDAY_SHAPE = [0.62, 1, 1.06, 1.06, 1.02, 0.9, 0.58];
const WEEKDAY_MEAN = WEEKDAY_SHAPE.reduce((sum, v) => sum + v, 0) / WEEKDAY_SHAPE.length;
/** Visitors grow about 35% per 90 days, centred on the middle of the range so `visitorsPerDay` stays the mean. */
const DAILY_GROWTH_RATE = Math.log(1.35) / 90;

/** Pageviews per visit; index 0 is a single page. Mobile visitors bounce a little more (see `pageviewsInVisit`). */
const PAGES_PER_VISIT = [0.44, 0.2, 0.12, 0.08, 0.06, 0.04, 0.03, 0.03];

/** How long people stay on a page, by section: median seconds (log-normal, so a long tail of readers). */
const DWELL_MEDIAN_SECONDS: Record<Section, number> = {
  home: 22,
  marketing: 28,
  conversion: 35,
  blog: 75,
  docs: 50,
  legal: 15,
};

const PLANS = weightedPicker([
  { value: 'free', weight: 55 },
  { value: 'starter', weight: 30 },
  { value: 'business', weight: 15 },
]);
const PLAN_PRICES: Record<string, { monthly: number; yearly: number }> = {
  starter: { monthly: 19, yearly: 190 },
  business: { monthly: 69, yearly: 690 },
};

interface Visitor {
  profile: UserAgentProfile;
  locale: VisitorLocale;
  screenWidth: number;
  screenHeight: number;
  viewportWidth: number;
  viewportHeight: number;
  /** Day index of the last visit: the IP may change between days, never within one. */
  lastDay: number;
}

/** An event waiting in the day buffer; `seq` keeps equal timestamps in generation order (a stable sort). */
interface Pending {
  ts: number;
  seq: number;
  event: GeneratedEvent;
}

const pickUserAgent = weightedPicker(REAL_USER_AGENTS.map((profile) => ({ value: profile, weight: profile.weight })));
const pickSource = weightedPicker(TRAFFIC_SOURCES.map((source) => ({ value: source, weight: source.weight })));
const pickPageCount = weightedPicker(PAGES_PER_VISIT.map((weight, index) => ({ value: index + 1, weight })));
const screenPickers = new Map(
  (Object.keys(SCREEN_SIZES) as ScreenFamily[]).map((family) => [
    family,
    weightedPicker(SCREEN_SIZES[family].map((size) => ({ value: size, weight: size.weight }))),
  ]),
);

const pagesBySection = new Map<Section, (random: Random) => SitePage>();
for (const section of new Set(SITE_PAGES.map((page) => page.section))) {
  pagesBySection.set(
    section,
    weightedPicker(SITE_PAGES.filter((p) => p.section === section).map((p) => ({ value: p, weight: p.weight }))),
  );
}
const pageByPath = new Map(SITE_PAGES.map((page) => [page.path, page]));
const pickAnyPage = weightedPicker(SITE_PAGES.map((page) => ({ value: page, weight: page.weight })));
const blogPosts = SITE_PAGES.filter((page) => page.path.startsWith('/blog/'));
const pickBlogPost = weightedPicker(blogPosts.map((p) => ({ value: p, weight: p.weight })));
const pickDocPage = weightedPicker(
  SITE_PAGES.filter((p) => p.path.startsWith('/docs/')).map((p) => ({ value: p, weight: p.weight })),
);
const landingPickers = new Map(
  TRAFFIC_SOURCES.map((source) => [
    source,
    weightedPicker(source.landing.map((entry) => ({ value: entry, weight: entry.weight }))),
  ]),
);
const hackerNews =
  TRAFFIC_SOURCES.find((source) => source.name === 'Hacker News') ?? (TRAFFIC_SOURCES[0] as TrafficSource);

function page(path: string): SitePage {
  const found = pageByPath.get(path);
  if (found === undefined) throw new Error(`site map has no page ${path}`);
  return found;
}

function landingPage(random: Random, source: TrafficSource): SitePage {
  const entry = landingPickers.get(source)?.(random);
  if (entry?.path !== undefined) return page(entry.path);
  const inSection = entry?.section === undefined ? undefined : pagesBySection.get(entry.section);
  return inSection ? inSection(random) : pickAnyPage(random);
}

/** Where a reader goes next: mostly along the site's links (pricing → signup, post → post, docs → docs). */
function nextPage(random: Random, current: SitePage): SitePage {
  const roll = random();
  let next: SitePage;
  if (current.path === '/') {
    next =
      roll < 0.3
        ? page('/pricing')
        : roll < 0.5
          ? page('/features')
          : roll < 0.6
            ? page('/blog')
            : roll < 0.7
              ? page('/docs')
              : roll < 0.78
                ? page('/signup')
                : pickAnyPage(random);
  } else if (current.path === '/pricing') {
    next =
      roll < 0.3
        ? page('/signup')
        : roll < 0.4
          ? page('/features')
          : roll < 0.55
            ? pickDocPage(random)
            : roll < 0.65
              ? page('/')
              : pickAnyPage(random);
  } else if (current.path === '/features') {
    next = roll < 0.4 ? page('/pricing') : roll < 0.5 ? page('/signup') : pickAnyPage(random);
  } else if (current.path === '/signup' || current.path === '/login') {
    next = roll < 0.4 ? pickDocPage(random) : roll < 0.6 ? page('/pricing') : pickAnyPage(random);
  } else if (current.section === 'blog') {
    next =
      roll < 0.3
        ? pickBlogPost(random)
        : roll < 0.45
          ? page('/blog')
          : roll < 0.65
            ? page('/')
            : roll < 0.75
              ? page('/pricing')
              : pickAnyPage(random);
  } else if (current.section === 'docs') {
    next = roll < 0.65 ? pickDocPage(random) : roll < 0.75 ? page('/pricing') : pickAnyPage(random);
  } else {
    next = pickAnyPage(random);
  }
  // A reload of the same page is rare; walking on is what the page count assumes.
  return next.path === current.path ? pickAnyPage(random) : next;
}

function pageviewsInVisit(random: Random, visitor: Visitor): number {
  // Phones bounce more: re-roll some multi-page visits into single-page ones.
  const count = pickPageCount(random);
  return visitor.profile.device === 'mobile' && count > 1 && chance(random, 0.12) ? 1 : count;
}

function newVisitor(random: Random, dayIndex: number): Visitor {
  const profile = pickUserAgent(random);
  const screen = screenPickers.get(profile.screens)?.(random) ?? { width: 1920, height: 1080 };
  const isDesktop = profile.device === 'desktop';
  // Desktop windows are often not maximised; phone viewports lose the browser's toolbars.
  const viewportWidth =
    isDesktop && chance(random, 0.3)
      ? Math.round(screen.width * (0.55 + random() * 0.4))
      : isDesktop
        ? screen.width - randomInt(random, 0, 17)
        : screen.width;
  const viewportHeight = isDesktop
    ? screen.height - randomInt(random, 70, 160)
    : screen.height - randomInt(random, 90, 190);
  return {
    profile,
    locale: randomVisitorLocale(random),
    screenWidth: screen.width,
    screenHeight: screen.height,
    viewportWidth,
    viewportHeight: Math.max(200, viewportHeight),
    lastDay: dayIndex,
  };
}

/** A visit start time inside [from, from + DAY) that follows the visitor's local daily rhythm. */
function visitStart(random: Random, from: number, offsetMinutes: number): number {
  let candidate = from;
  for (let attempt = 0; attempt < 24; attempt++) {
    candidate = from + Math.floor(random() * DAY);
    const localHour = Math.floor(((((candidate + offsetMinutes * MINUTE) % DAY) + DAY) % DAY) / HOUR);
    if (random() < (LOCAL_HOUR_SHAPE[localHour] ?? 1)) return candidate;
  }
  return candidate;
}

/** Mixes a seed and a day index into an independent stream seed (so each day's draws do not shift the next day's). */
function daySeed(seed: number, dayIndex: number): number {
  let h = (Math.trunc(seed) ^ Math.imul(dayIndex + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function validated(options: TrafficOptions): Required<TrafficOptions> {
  const { domain, days, endMs, seed } = options;
  const visitorsPerDay = options.visitorsPerDay ?? DEFAULT_VISITORS_PER_DAY;
  if (typeof domain !== 'string' || !/^[a-z0-9.-]{1,253}$/i.test(domain))
    throw new RangeError(`domain must be a host name, got ${JSON.stringify(domain)}`);
  if (!Number.isFinite(days) || days < 0 || days > TRAFFIC_LIMITS.maxDays)
    throw new RangeError(`days must be between 0 and ${TRAFFIC_LIMITS.maxDays}`);
  if (!Number.isFinite(endMs) || endMs - days * DAY < 0)
    throw new RangeError('endMs must be an epoch-ms time after the start of the range');
  if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  if (!Number.isFinite(visitorsPerDay) || visitorsPerDay < 0 || visitorsPerDay > TRAFFIC_LIMITS.maxVisitorsPerDay) {
    throw new RangeError(`visitorsPerDay must be between 0 and ${TRAFFIC_LIMITS.maxVisitorsPerDay}`);
  }
  return { domain: domain.toLowerCase(), days, endMs, seed, visitorsPerDay };
}

/**
 * Yields a site's events in timestamp order, all inside [endMs - days, endMs), the same sequence for the same options.
 * Every event carries `raw.timestamp`, `raw.domains = [domain]` and an import context with the visitor's IP and
 * user agent; one visitor keeps one IP and user agent for the whole day (and sometimes returns on later days).
 * Throws RangeError for options out of range (see TRAFFIC_LIMITS) before yielding anything.
 *
 * @example
 * for (const { raw, ctx } of generateTraffic({ domain: 'example.com', days: 90, endMs: Date.now(), seed: 1 })) {
 *   await pipeline.ingest(raw, ctx);
 * }
 */
export function generateTraffic(options: TrafficOptions): Iterable<GeneratedEvent> {
  const settings = validated(options);
  return { [Symbol.iterator]: () => trafficEvents(settings) };
}

function* trafficEvents(options: Required<TrafficOptions>): Generator<GeneratedEvent> {
  const { domain, days, endMs, seed, visitorsPerDay } = options;
  const startMs = endMs - days * DAY;
  const origin = `https://${domain}`;
  const dayCount = Math.ceil(days);
  const planRandom = seededRandom(daySeed(seed, -1));
  // Front-page days: one every ~45 days, never on the first or last few days so the spike shows in full.
  const spikeDays = new Map<number, { post: SitePage; extraVisitors: number }>();
  for (let n = 0; n < Math.floor(dayCount / 45); n++) {
    const day = randomInt(planRandom, Math.floor(dayCount * 0.1), Math.max(0, Math.floor(dayCount * 0.9)));
    spikeDays.set(day, {
      post: pickBlogPost(planRandom),
      extraVisitors: Math.round(visitorsPerDay * (1.5 + planRandom() * 2)),
    });
  }

  // Returning visitors: a bounded pool, so some people come back on later days with the same device and place.
  const regulars: Visitor[] = [];
  const maxRegulars = 5000;
  let carried: Pending[] = [];
  let seq = 0;

  for (let dayIndex = 0; dayIndex < dayCount; dayIndex++) {
    const random = seededRandom(daySeed(seed, dayIndex));
    const dayStart = startMs + dayIndex * DAY;
    const dayEnd = Math.min(dayStart + DAY, endMs);
    const buffer: Pending[] = carried;
    carried = [];
    const push = (ts: number, event: GeneratedEvent) => {
      buffer.push({ ts, seq: seq++, event });
    };

    const weekday = new Date(dayStart + DAY / 2).getUTCDay();
    const trend = Math.exp(DAILY_GROWTH_RATE * (dayIndex - (dayCount - 1) / 2));
    const expected =
      visitorsPerDay * trend * ((WEEKDAY_SHAPE[weekday] ?? 1) / WEEKDAY_MEAN) * logNormal(random, 1, 0.12);
    const visitorCount = Math.max(0, Math.round(expected));
    const spike = spikeDays.get(dayIndex);
    const total = visitorCount + (spike?.extraVisitors ?? 0);

    for (let v = 0; v < total; v++) {
      const fromSpike = v >= visitorCount && spike !== undefined;
      const returning = !fromSpike && regulars.length > 0 && chance(random, 0.15);
      const visitor = returning ? pickOne(random, regulars) : newVisitor(random, dayIndex);
      if (!returning && chance(random, 0.2)) {
        if (regulars.length < maxRegulars) regulars.push(visitor);
        else regulars[randomInt(random, 0, maxRegulars - 1)] = visitor;
      }
      // A returning visitor may be on another network today; within the day the IP stays.
      if (returning && visitor.lastDay !== dayIndex && chance(random, 0.3))
        visitor.locale = { ...visitor.locale, ip: publicIpInCountry(random, visitor.locale.country) };
      visitor.lastDay = dayIndex;

      // Hacker News readers are mostly awake on US time; their visits cluster a few hours after the post goes up.
      let start = fromSpike
        ? dayStart + 13 * HOUR + Math.floor(logNormal(random, 3 * HOUR, 0.6))
        : visitStart(random, dayStart, visitor.locale.offsetMinutes);
      if (start >= dayStart + DAY) start = dayStart + Math.floor(random() * DAY);
      const visits = fromSpike ? 1 : chance(random, 0.88) ? 1 : chance(random, 0.75) ? 2 : 3;
      for (let visit = 0; visit < visits; visit++) {
        const source = fromSpike ? hackerNews : pickSource(random);
        const landing = fromSpike && spike ? spike.post : landingPage(random, source);
        const end = emitVisit(random, { visitor, source, landing, start, origin, domain, push });
        // Next visit after the 30-minute session timeout, so it counts as a new session, as it would in real life.
        start = end + 35 * MINUTE + Math.floor(random() * 6 * HOUR);
        if (start >= dayEnd) break;
      }
    }

    buffer.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    for (const pending of buffer) {
      if (pending.ts >= dayEnd) carried.push(pending);
      else if (pending.ts >= startMs) yield pending.event;
    }
  }
}

interface VisitPlan {
  visitor: Visitor;
  source: TrafficSource;
  landing: SitePage;
  start: number;
  origin: string;
  domain: string;
  push: (ts: number, event: GeneratedEvent) => void;
}

/** Emits one visit's pageviews, engagement and custom events; returns when the visit ended. */
function emitVisit(random: Random, plan: VisitPlan): number {
  const { visitor, source, landing, origin, domain, push } = plan;
  const ctx: RequestContext = {
    ip: visitor.locale.ip,
    userAgent: visitor.profile.userAgent,
    headers: { 'user-agent': visitor.profile.userAgent, 'accept-language': acceptLanguageFor(visitor.locale.language) },
    receivedAt: plan.start,
    source: 'import',
  };
  const base = (name: string, url: string, timestamp: number): RawEvent => ({
    name,
    url,
    domains: [domain],
    timestamp,
    screenWidth: visitor.screenWidth,
    screenHeight: visitor.screenHeight,
    viewportWidth: visitor.viewportWidth,
    viewportHeight: visitor.viewportHeight,
    language: visitor.locale.language,
    timezone: visitor.locale.timezone,
  });
  const emit = (raw: RawEvent) => {
    const timestamp = raw.timestamp as number;
    push(timestamp, { raw, ctx: { ...ctx, receivedAt: timestamp } });
  };

  const pageCount = pageviewsInVisit(random, plan.visitor);
  let current = landing;
  let previousUrl = '';
  let t = plan.start;
  for (let index = 0; index < pageCount; index++) {
    const pageUrl = `${origin}${current.path}`;
    const tag = index === 0 ? source.tag?.(random, current.path) : undefined;
    const pageview = base('pageview', tag ? `${pageUrl}?${tag}` : pageUrl, t);
    pageview.referrer = index === 0 ? concreteReferrer(random, pickOne(random, source.referrers)) : previousUrl;
    pageview.title = current.title;
    emit(pageview);

    const dwellMs = Math.min(
      30 * MINUTE,
      Math.max(2 * SECOND, Math.round(logNormal(random, DWELL_MEDIAN_SECONDS[current.section] * SECOND, 0.9))),
    );
    emitInteractions(random, { page: current, pageUrl, t, dwellMs, origin }, base, emit);

    // The tracker reports engagement when the page is left; some tabs are killed before it can.
    if (chance(random, 0.9)) {
      const engagement = base('engagement', pageUrl, t + dwellMs);
      engagement.engagementMs = Math.round(dwellMs * (0.55 + random() * 0.45));
      engagement.scrollDepth = scrollDepthFor(random, current, dwellMs);
      engagement.visibilityChanges = chance(random, 0.7) ? 0 : randomInt(random, 1, 4);
      engagement.interactive = false;
      emit(engagement);
    }

    t += dwellMs;
    previousUrl = pageUrl;
    if (index < pageCount - 1) {
      t += randomInt(random, 300, 4 * SECOND);
      current = nextPage(random, current);
    }
  }
  return t;
}

interface PageMoment {
  page: SitePage;
  pageUrl: string;
  t: number;
  dwellMs: number;
  origin: string;
}

/** Custom events a reader fires while on a page, at conversion rates typical of a SaaS site. */
function emitInteractions(
  random: Random,
  moment: PageMoment,
  base: (name: string, url: string, timestamp: number) => RawEvent,
  emit: (raw: RawEvent) => void,
): void {
  const { page, pageUrl, t, dwellMs, origin } = moment;
  const during = () => t + Math.max(1, Math.floor(dwellMs * (0.2 + random() * 0.75)));

  const outboundChance = page.section === 'blog' ? 0.05 : page.section === 'docs' ? 0.03 : 0.01;
  if (chance(random, outboundChance)) {
    const event = base('Outbound Link: Click', pageUrl, during());
    event.props = { url: pickOne(random, OUTBOUND_LINKS) };
    emit(event);
  }
  const downloadChance = page.path.startsWith('/docs/self-hosting')
    ? 0.08
    : page.section === 'docs' || page.section === 'blog'
      ? 0.01
      : 0;
  if (downloadChance > 0 && chance(random, downloadChance)) {
    const event = base('File Download', pageUrl, during());
    event.props = { url: `${origin}${pickOne(random, DOWNLOADS)}` };
    emit(event);
  }
  if (page.path === '/signup' && chance(random, 0.2)) {
    const plan = PLANS(random);
    const signupAt = during();
    const signup = base('Signup', pageUrl, signupAt);
    signup.props = { plan };
    emit(signup);
    const price = PLAN_PRICES[plan];
    // Paid plans: checkout a minute or two later, some paying yearly.
    if (price !== undefined && chance(random, 0.45)) {
      const yearly = chance(random, 0.25);
      const purchase = base('Purchase', pageUrl, signupAt + randomInt(random, 40 * SECOND, 3 * MINUTE));
      purchase.props = { plan, billing: yearly ? 'yearly' : 'monthly' };
      purchase.revenue = { amount: yearly ? price.yearly : price.monthly, currency: 'USD' };
      emit(purchase);
    }
  }
}

/** Scroll depth grows with time on page; long posts are rarely read to the end. */
function scrollDepthFor(random: Random, page: SitePage, dwellMs: number): number {
  const readingFactor = Math.min(1, dwellMs / (DWELL_MEDIAN_SECONDS[page.section] * SECOND * 2));
  const depth = 15 + readingFactor * 75 + (random() - 0.5) * 30;
  return Math.max(0, Math.min(100, Math.round(depth)));
}
