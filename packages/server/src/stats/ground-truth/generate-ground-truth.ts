import {
  chance,
  logNormal,
  pickOne,
  type Random,
  randomInt,
  seededRandom,
  weightedPicker,
  zipfWeights,
} from '../../demo/random.js';
import { ENGAGEMENT, type EventRow, PAGEVIEW } from '../../domain/event.js';
import { normalizeTimezone } from '../../domain/timezone.js';
import { computeTruth, type GroundTruth, type TruthSpec } from './compute-truth.js';
import { addCalendarDays, localDateOf, localMidnightMs } from './local-time.js';

/**
 * Deterministic test traffic for the stats engine, with its true answers recorded (compute-truth.ts defines every
 * metric). Visits look like real ones: 1–6 pageviews (about four in ten bounce), an `engagement` event after most
 * pageviews, Signup and Purchase custom events, search/social/newsletter/paid/direct sources with UTM tags, countries,
 * devices, browsers, screen sizes, two hostnames, visitors with a second visit the same day, and visits that start
 * shortly before local midnight and end after it.
 */

export interface GroundTruthOptions {
  /** Same seed, same rows and truth, byte for byte. */
  seed: number;
  siteId: number;
  /** IANA zone the site counts its days in. */
  timezone: string;
  /** Any instant of the first day: generation starts at that local day's midnight. */
  startMs: number;
  /** Local calendar days with visits starting on them (1..92). */
  days: number;
  /** Distinct visitors starting visits each day (1..5,000). */
  visitorsPerDay: number;
}

export interface GroundTruthData {
  /** Valid, insertable rows in ts order. */
  rows: EventRow[];
  truth: GroundTruth;
  /** The goals, funnel and props breakdown the truth was computed for. */
  spec: TruthSpec;
  /** First and last local day visits are generated for (a late visit can still spill events into the next day). */
  firstDay: string;
  lastDay: string;
}

/**
 * Defaults: one week in Europe/Berlin around the switch to summer time on Sunday 30 March 2025, a 23-hour day whose
 * local midnights are 23:00Z (before) and 22:00Z (after).
 */
export const DEFAULT_GROUND_TRUTH_OPTIONS: Readonly<GroundTruthOptions> = {
  seed: 20250330,
  siteId: 1,
  timezone: 'Europe/Berlin',
  startMs: Date.UTC(2025, 2, 27, 12),
  days: 7,
  visitorsPerDay: 150,
};

/** The goals and funnel the truth records; the stats engine is configured with the same ones in tests. */
export const GROUND_TRUTH_SPEC: Omit<TruthSpec, 'timezone'> = {
  goals: [
    { kind: 'page', name: 'Visit /blog/*', pathPattern: '/blog/*' },
    { kind: 'event', name: 'Signup', eventName: 'Signup' },
  ],
  funnel: {
    name: 'Home → Pricing → Signup',
    steps: [
      { kind: 'page', pathPattern: '/' },
      { kind: 'page', pathPattern: '/pricing' },
      { kind: 'event', eventName: 'Signup' },
    ],
  },
  propsBreakdown: { eventName: 'Signup', key: 'plan' },
};

const MAX_DAYS = 92;
const MAX_VISITORS_PER_DAY = 5000;
const MINUTE = 60_000;
/** Sessions end after 30 minutes of inactivity (DESIGN.md); generated gaps inside a visit stay below it. */
const MAX_GAP_INSIDE_VISIT_MS = 20 * MINUTE;

/**
 * Generates rows and their truth. Numeric options are clamped to their ranges; an unknown time zone throws a
 * RangeError (nothing sensible can be generated for it).
 *
 * @example
 * const { rows, truth } = generateGroundTruth({ seed: 7, days: 3, visitorsPerDay: 50 });
 * await store.insertBatch(rows, 'ground-truth-7');
 * truth.days[0].visitors; // what the API must answer for that day
 */
export function generateGroundTruth(options: Partial<GroundTruthOptions> = {}): GroundTruthData {
  const opts = { ...DEFAULT_GROUND_TRUTH_OPTIONS, ...options };
  const timezone = normalizeTimezone(opts.timezone);
  if (timezone === undefined) throw new RangeError(`Unknown time zone ${JSON.stringify(String(opts.timezone))}`);
  const days = clampInt(opts.days, 1, MAX_DAYS);
  const visitorsPerDay = clampInt(opts.visitorsPerDay, 1, MAX_VISITORS_PER_DAY);
  const siteId = clampInt(opts.siteId, 0, 0xffff_ffff);
  const startMs = Number.isFinite(opts.startMs) ? opts.startMs : DEFAULT_GROUND_TRUTH_OPTIONS.startMs;
  const random = seededRandom(opts.seed);
  const ids = createIdFactory(random);

  const rows: EventRow[] = [];
  const firstDay = localDateOf(startMs, timezone);
  for (let d = 0; d < days; d++) {
    const date = addCalendarDays(firstDay, d);
    const dayStart = localMidnightMs(date, timezone);
    const dayEnd = localMidnightMs(addCalendarDays(date, 1), timezone);
    for (let v = 0; v < visitorsPerDay; v++) {
      const visitor = newVisitor(random, ids, siteId);
      // About one visitor in 25 is still browsing at midnight: their visit must span two local days.
      const crossesMidnight = v % 25 === 7;
      let start = crossesMidnight
        ? dayEnd - randomInt(random, 1, 8) * MINUTE
        : dayStart + visitStartFraction(random) * (dayEnd - dayStart);
      const visitCount = crossesMidnight ? 1 : pickVisitCount(random);
      for (let n = 0; n < visitCount; n++) {
        const end = generateVisit(random, ids, visitor, start, crossesMidnight, rows);
        // A later visit starts well after 30 minutes of silence, so it is a new session by the ingest rules too.
        start = end + randomInt(random, 35, 300) * MINUTE;
      }
    }
  }
  rows.sort((a, b) => a.ts - b.ts || (a.event_id < b.event_id ? -1 : 1));
  const spec: TruthSpec = { timezone, ...GROUND_TRUTH_SPEC };
  return { rows, truth: computeTruth(rows, spec), spec, firstDay, lastDay: addCalendarDays(firstDay, days - 1) };
}

function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

interface IdFactory {
  visitorId(): string;
  sessionId(): string;
  eventId(): string;
}

/**
 * Ids that look like production ones (64-bit hashes, random UUIDs) but are unique by construction: a random high
 * half over a counter, so no two visitors or sessions of one generation collide.
 */
function createIdFactory(random: Random): IdFactory {
  let visitors = 0;
  let sessions = 0;
  const high = () => BigInt(Math.floor(random() * 0x7fff_ffff) + 1) << 32n;
  const hex = (n: number) =>
    Math.floor(random() * 16 ** n)
      .toString(16)
      .padStart(n, '0');
  return {
    visitorId: () => (high() | BigInt(++visitors)).toString(),
    sessionId: () => (high() | BigInt(++sessions)).toString(),
    eventId: () => {
      const variant = (8 + Math.floor(random() * 4)).toString(16);
      return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(6)}${hex(6)}`;
    },
  };
}

/** Hour-of-day weights (local time): quiet nights, a working-day plateau, an evening bump. */
const HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 8, 9, 9, 7, 5, 3];
const pickHour = weightedPicker(HOUR_WEIGHTS.map((weight, hour) => ({ value: hour, weight })));

/** Where in the day a visit starts, as a fraction of the day's real length (23 or 25 hours on DST days). */
function visitStartFraction(random: Random): number {
  // Keep clear of the last minutes: crossing midnight is the deliberate job of a few visitors only.
  return Math.min((pickHour(random) + random()) / 24, 0.985);
}

const pickVisitCount = weightedPicker([
  { value: 1, weight: 85 },
  { value: 2, weight: 12 },
  { value: 3, weight: 3 },
]);

interface Page {
  path: string;
  title: string;
  hostname: string;
}

function page(path: string, title: string, hostname = 'example.com'): Page {
  return { path, title, hostname };
}

const HOME = page('/', 'Acme: privacy-friendly analytics');
const PRICING = page('/pricing', 'Pricing · Acme');
const FEATURES = page('/features', 'Features · Acme');
const SIGNUP = page('/signup', 'Start your free trial · Acme');
const ABOUT = page('/about', 'About · Acme');
const CONTACT = page('/contact', 'Contact · Acme');
const BLOG = page('/blog', 'Blog · Acme');
const DOCS = page('/docs', 'Docs · Acme');
const BLOG_POSTS = [
  'why-we-dropped-cookies',
  'google-analytics-alternatives',
  'gdpr-compliant-analytics',
  'bounce-rate-myths',
  'utm-parameters-explained',
  'clickhouse-at-small-scale',
  'self-hosting-guide',
  'funnel-analysis-basics',
  'server-side-tracking',
  'annual-review-2025',
].map((slug) => page(`/blog/${slug}`, `${slug.replace(/-/g, ' ')} · Acme blog`));
// Docs live on their own hostname, so the hostname breakdown has two rows.
const DOC_PAGES = ['installation', 'script', 'custom-events', 'revenue', 'api/stats', 'self-hosting/docker'].map(
  (slug) => page(`/docs/${slug}`, `${slug} · Acme docs`, 'docs.example.com'),
);

/** Zipf popularity within a section: a few posts carry the blog, the long tail gets a trickle. */
function zipfPicker(pages: readonly Page[]): (random: Random) => Page {
  const weights = zipfWeights(pages.length, 1);
  return weightedPicker(pages.map((value, index) => ({ value, weight: weights[index] ?? 0 })));
}
const pickBlogPost = zipfPicker(BLOG_POSTS);
const pickDocPage = zipfPicker(DOC_PAGES);

type PageChoice = Page | ((random: Random) => Page);
function pagePicker(choices: readonly [PageChoice, number][]): (random: Random) => Page {
  const pick = weightedPicker(choices.map(([value, weight]) => ({ value, weight })));
  return (random) => {
    const choice = pick(random);
    return typeof choice === 'function' ? choice(random) : choice;
  };
}

/** The next page, given the current one: how people move through a small SaaS site. */
const NEXT_PAGE: ReadonlyMap<string, (random: Random) => Page> = new Map([
  [
    '/',
    pagePicker([
      [PRICING, 35],
      [FEATURES, 20],
      [BLOG, 12],
      [pickBlogPost, 10],
      [DOCS, 8],
      [SIGNUP, 8],
      [ABOUT, 5],
    ]),
  ],
  [
    '/pricing',
    pagePicker([
      [SIGNUP, 35],
      [FEATURES, 15],
      [HOME, 12],
      [DOCS, 10],
      [pickBlogPost, 5],
      [CONTACT, 5],
    ]),
  ],
  [
    '/signup',
    pagePicker([
      [DOCS, 40],
      [HOME, 30],
      [PRICING, 30],
    ]),
  ],
  [
    '/blog',
    pagePicker([
      [pickBlogPost, 80],
      [HOME, 20],
    ]),
  ],
  [
    '/docs',
    pagePicker([
      [pickDocPage, 80],
      [HOME, 20],
    ]),
  ],
]);
const FROM_BLOG_POST = pagePicker([
  [pickBlogPost, 40],
  [HOME, 25],
  [BLOG, 20],
  [PRICING, 15],
]);
const FROM_DOC_PAGE = pagePicker([
  [pickDocPage, 70],
  [DOCS, 15],
  [PRICING, 15],
]);
const FROM_ANYWHERE = pagePicker([
  [HOME, 40],
  [PRICING, 20],
  [BLOG, 15],
  [pickBlogPost, 15],
  [DOCS, 10],
]);

function nextPage(random: Random, current: Page): Page {
  const picker =
    NEXT_PAGE.get(current.path) ??
    (current.path.startsWith('/blog/')
      ? FROM_BLOG_POST
      : current.path.startsWith('/docs/')
        ? FROM_DOC_PAGE
        : FROM_ANYWHERE);
  return picker(random);
}

/** Where a visit came from: the first event's referrer and campaign columns, and where such visits land. */
interface TrafficSource {
  weight: number;
  referrer: string;
  referrerDomain: string;
  referrerSource: string;
  channel: string;
  utm?: { source: string; medium: string; campaigns: readonly string[] };
  clickIdParam?: string;
  landing: (random: Random) => Page;
}

const SEARCH_LANDING = pagePicker([
  [pickBlogPost, 5],
  [pickDocPage, 3],
  [HOME, 2],
  [PRICING, 0.5],
]);
const SOCIAL_LANDING = pagePicker([
  [pickBlogPost, 7],
  [HOME, 2],
]);

const TRAFFIC_SOURCES: readonly TrafficSource[] = [
  {
    weight: 30,
    referrer: '',
    referrerDomain: '',
    referrerSource: '',
    channel: 'Direct',
    landing: pagePicker([
      [HOME, 6],
      [PRICING, 1],
      [DOCS, 1],
      [pickBlogPost, 1],
      [SIGNUP, 0.5],
    ]),
  },
  {
    weight: 28,
    referrer: 'https://www.google.com/',
    referrerDomain: 'google.com',
    referrerSource: 'Google',
    channel: 'Organic Search',
    landing: SEARCH_LANDING,
  },
  {
    weight: 4,
    referrer: 'https://www.bing.com/',
    referrerDomain: 'bing.com',
    referrerSource: 'Bing',
    channel: 'Organic Search',
    landing: SEARCH_LANDING,
  },
  {
    weight: 4,
    referrer: 'https://duckduckgo.com/',
    referrerDomain: 'duckduckgo.com',
    referrerSource: 'DuckDuckGo',
    channel: 'Organic Search',
    landing: SEARCH_LANDING,
  },
  {
    weight: 6,
    referrer: 'https://t.co/',
    referrerDomain: 't.co',
    referrerSource: 'Twitter',
    channel: 'Organic Social',
    landing: SOCIAL_LANDING,
  },
  {
    weight: 5,
    referrer: 'https://www.reddit.com/r/selfhosted/',
    referrerDomain: 'reddit.com',
    referrerSource: 'Reddit',
    channel: 'Organic Social',
    landing: SOCIAL_LANDING,
  },
  {
    weight: 4,
    referrer: 'https://github.com/',
    referrerDomain: 'github.com',
    referrerSource: 'GitHub',
    channel: 'Referral',
    landing: pagePicker([
      [pickDocPage, 3],
      [HOME, 1],
    ]),
  },
  {
    weight: 6,
    referrer: '',
    referrerDomain: '',
    referrerSource: 'newsletter',
    channel: 'Email',
    utm: { source: 'newsletter', medium: 'email', campaigns: ['weekly-digest', 'product-update', 'launch-week'] },
    landing: pagePicker([
      [pickBlogPost, 3],
      [FEATURES, 1],
    ]),
  },
  {
    weight: 5,
    referrer: 'https://www.google.com/',
    referrerDomain: 'google.com',
    referrerSource: 'Google',
    channel: 'Paid Search',
    utm: { source: 'google', medium: 'cpc', campaigns: ['brand', 'competitors'] },
    clickIdParam: 'gclid',
    landing: pagePicker([
      [HOME, 2],
      [PRICING, 1],
    ]),
  },
];
const pickSource = weightedPicker(TRAFFIC_SOURCES.map((value) => ({ value, weight: value.weight })));

interface CountryProfile {
  code: string;
  language: string;
  timezone: string;
}
const pickCountry = weightedPicker<CountryProfile>(
  (
    [
      ['US', 30, 'en-US', 'America/New_York'],
      ['DE', 18, 'de-DE', 'Europe/Berlin'],
      ['GB', 10, 'en-GB', 'Europe/London'],
      ['FR', 8, 'fr-FR', 'Europe/Paris'],
      ['IN', 8, 'en-IN', 'Asia/Kolkata'],
      ['NL', 5, 'nl-NL', 'Europe/Amsterdam'],
      ['CA', 5, 'en-CA', 'America/Toronto'],
      ['BR', 4, 'pt-BR', 'America/Sao_Paulo'],
      ['JP', 4, 'ja-JP', 'Asia/Tokyo'],
      ['PL', 3, 'pl-PL', 'Europe/Warsaw'],
    ] as const
  ).map(([code, weight, language, timezone]) => ({ value: { code, language, timezone }, weight })),
);

interface Platform {
  device: string;
  os: string;
  osVersions: readonly string[];
  browsers: readonly [name: string, version: string, weight: number][];
  screens: readonly (readonly [width: number, height: number])[];
}
const DESKTOP_SCREENS = [
  [1920, 1080],
  [1440, 900],
  [2560, 1440],
  [1366, 768],
] as const;
const PHONE_SCREENS = [
  [390, 844],
  [412, 915],
  [375, 667],
] as const;
const TABLET_SCREENS = [
  [820, 1180],
  [768, 1024],
] as const;
const pickPlatform = weightedPicker<Platform>([
  {
    weight: 32,
    value: {
      device: 'desktop',
      os: 'Windows',
      osVersions: ['10', '11'],
      browsers: [
        ['Chrome', '131', 65],
        ['Edge', '131', 20],
        ['Firefox', '133', 15],
      ],
      screens: DESKTOP_SCREENS,
    },
  },
  {
    weight: 18,
    value: {
      device: 'desktop',
      os: 'Mac OS',
      osVersions: ['14', '15'],
      browsers: [
        ['Safari', '18.1', 45],
        ['Chrome', '131', 45],
        ['Firefox', '133', 10],
      ],
      screens: DESKTOP_SCREENS,
    },
  },
  {
    weight: 8,
    value: {
      device: 'desktop',
      os: 'Linux',
      osVersions: [''],
      browsers: [
        ['Firefox', '133', 55],
        ['Chrome', '131', 45],
      ],
      screens: DESKTOP_SCREENS,
    },
  },
  {
    weight: 17,
    value: {
      device: 'mobile',
      os: 'iOS',
      osVersions: ['17.5', '18.1'],
      browsers: [
        ['Mobile Safari', '18.1', 85],
        ['Chrome', '131', 15],
      ],
      screens: PHONE_SCREENS,
    },
  },
  {
    weight: 20,
    value: {
      device: 'mobile',
      os: 'Android',
      osVersions: ['14', '15'],
      browsers: [
        ['Chrome', '131', 80],
        ['Samsung Internet', '26.0', 20],
      ],
      screens: PHONE_SCREENS,
    },
  },
  {
    weight: 5,
    value: {
      device: 'tablet',
      os: 'iOS',
      osVersions: ['18.1'],
      browsers: [['Mobile Safari', '18.1', 1]],
      screens: TABLET_SCREENS,
    },
  },
]);

/** Everything that stays the same for one visitor on one day (the visitor id is salted daily). */
interface Visitor {
  siteId: number;
  visitorId: string;
  country: CountryProfile;
  platform: Platform;
  browser: string;
  browserVersion: string;
  osVersion: string;
  screen: readonly [number, number];
}

function newVisitor(random: Random, ids: IdFactory, siteId: number): Visitor {
  const platform = pickPlatform(random);
  const [browser, browserVersion] = weightedPicker(
    platform.browsers.map(([name, version, weight]) => ({ value: [name, version] as const, weight })),
  )(random);
  return {
    siteId,
    visitorId: ids.visitorId(),
    country: pickCountry(random),
    platform,
    browser,
    browserVersion,
    osVersion: pickOne(random, platform.osVersions),
    screen: pickOne(random, platform.screens),
  };
}

const pickPageviewCount = weightedPicker([
  { value: 1, weight: 42 },
  { value: 2, weight: 20 },
  { value: 3, weight: 14 },
  { value: 4, weight: 11 },
  { value: 5, weight: 8 },
  { value: 6, weight: 5 },
]);
const pickPlan = weightedPicker([
  { value: 'free', weight: 60 },
  { value: 'pro', weight: 30 },
  { value: 'business', weight: 10 },
]);
const PRICES: Record<string, readonly string[]> = {
  pro: ['19.0000', '190.0000', '17.9900'],
  business: ['49.0000', '490.0000', '44.1000'],
};
/** Chance that a pageview of a page is followed by a Signup. */
const SIGNUP_RATE: Record<string, number> = { '/signup': 0.55, '/pricing': 0.06, '/': 0.02 };

/**
 * Appends one visit's rows and returns the ts of its last event. A visit crossing midnight gets 4–6 pageviews of
 * 3–6 minutes each, starting at most 8 minutes before midnight, so at least one pageview lands after it.
 */
function generateVisit(
  random: Random,
  ids: IdFactory,
  visitor: Visitor,
  startMs: number,
  crossesMidnight: boolean,
  out: EventRow[],
): number {
  const source = pickSource(random);
  const campaign = source.utm === undefined ? '' : pickOne(random, source.utm.campaigns);
  const sessionId = ids.sessionId();
  const pageviews = crossesMidnight ? randomInt(random, 4, 6) : pickPageviewCount(random);
  const [screenW, screenH] = visitor.screen;
  const base = {
    site_id: visitor.siteId,
    visitor_id: visitor.visitorId,
    session_id: sessionId,
    user_id: '',
    hash: '',
    browser: visitor.browser,
    browser_version: visitor.browserVersion,
    os: visitor.platform.os,
    os_version: visitor.osVersion,
    device: visitor.platform.device,
    screen_w: screenW,
    screen_h: screenH,
    viewport_w: screenW,
    viewport_h: Math.max(0, screenH - (visitor.platform.device === 'desktop' ? 130 : 90)),
    language: visitor.country.language,
    timezone: visitor.country.timezone,
    country: visitor.country.code,
    is_bot: 0,
    source: 'web' as const,
  };
  // Only the landing pageview knows where the visit came from: later referrers are internal and stored empty.
  const landingOrigin = {
    referrer: source.referrer,
    referrer_domain: source.referrerDomain,
    referrer_source: source.referrerSource,
    channel: source.channel,
    utm_source: source.utm?.source ?? '',
    utm_medium: source.utm?.medium ?? '',
    utm_campaign: campaign,
    click_id_param: source.clickIdParam ?? '',
    query:
      source.utm === undefined
        ? ''
        : `utm_source=${source.utm.source}&utm_medium=${source.utm.medium}&utm_campaign=${campaign}`,
  };
  const internalOrigin = {
    referrer: '',
    referrer_domain: '',
    referrer_source: '',
    channel: 'Direct',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    click_id_param: '',
    query: '',
  };

  let current = source.landing(random);
  let ts = Math.floor(startMs);
  let signedUp = false;
  let lastTs = ts;
  for (let n = 0; n < pageviews; n++) {
    if (n > 0) current = nextPage(random, current);
    const origin = n === 0 ? landingOrigin : internalOrigin;
    const onPage = {
      ...base,
      ...origin,
      hostname: current.hostname,
      pathname: current.path,
      title: current.title,
      utm_content: '',
      utm_term: '',
    };
    const pageviewTs = ts;
    const quiet = {
      engagement_ms: 0,
      scroll_depth: 0,
      visibility_changes: 0,
      props: {},
      revenue_amount: null,
      revenue_currency: '',
    };
    out.push({ ...onPage, ...quiet, ts: pageviewTs, event_id: ids.eventId(), name: PAGEVIEW, interactive: 1 });
    lastTs = pageviewTs;

    let cursor = pageviewTs;
    if (!signedUp && chance(random, SIGNUP_RATE[current.path] ?? 0)) {
      signedUp = true;
      const plan = pickPlan(random);
      cursor += randomInt(random, 5_000, 90_000);
      out.push({
        ...onPage,
        ...quiet,
        ts: cursor,
        event_id: ids.eventId(),
        name: 'Signup',
        interactive: 1,
        props: { plan },
      });
      const prices = PRICES[plan];
      if (prices !== undefined && chance(random, 0.45)) {
        cursor += randomInt(random, 5_000, 60_000);
        out.push({
          ...onPage,
          ...quiet,
          ts: cursor,
          event_id: ids.eventId(),
          name: 'Purchase',
          interactive: 1,
          props: { plan },
          revenue_amount: pickOne(random, prices),
          revenue_currency: 'EUR',
        });
      }
      lastTs = cursor;
    }

    const timeOnPage = crossesMidnight
      ? randomInt(random, 3 * MINUTE, 6 * MINUTE)
      : Math.min(MAX_GAP_INSIDE_VISIT_MS, Math.max(2_000, Math.round(logNormal(random, 40_000, 1))));
    const leaveTs = Math.max(pageviewTs + timeOnPage, cursor + 1_000);
    // Most pages report engagement when left; a closed tab sometimes loses it.
    if (chance(random, 0.85)) {
      out.push({
        ...onPage,
        ...quiet,
        ts: leaveTs,
        event_id: ids.eventId(),
        name: ENGAGEMENT,
        interactive: 0,
        engagement_ms: leaveTs - pageviewTs,
        scroll_depth: Math.min(100, Math.floor(random() * 110)),
        visibility_changes: randomInt(random, 0, 3),
      });
      lastTs = leaveTs;
    }
    ts = leaveTs + randomInt(random, 200, 3_000);
  }
  return lastTs;
}
