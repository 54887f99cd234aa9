import { pickOne, type Random, randomInt, randomToken } from './random.js';
import type { Section } from './site-map.js';

/**
 * Where visits come from, with shares typical of a developer-focused SaaS site: a third direct, a third organic
 * search, the rest social, community, newsletters and a little paid search. Each source also says where its visitors
 * land (search lands on posts and docs, paid search on the home and pricing pages, GitHub on the docs).
 */
export interface TrafficSource {
  name: string;
  weight: number;
  /** `document.referrer` values this source produces; '' is none (direct, most mail clients). */
  referrers: readonly string[];
  /** Where visits from this source start: a section (Zipf within it) or an exact path. */
  landing: readonly { section?: Section; path?: string; weight: number }[];
  /** Query string tagging the landing URL (UTM, click ids), without '?'; absent for untagged links. */
  tag?: (random: Random, landingPath: string) => string;
}

const SEARCH_LANDING = [
  { section: 'blog' as const, weight: 5 },
  { section: 'docs' as const, weight: 3 },
  { path: '/', weight: 2 },
  { path: '/pricing', weight: 0.4 },
  { path: '/features', weight: 0.4 },
];
const SOCIAL_LANDING = [
  { section: 'blog' as const, weight: 6 },
  { path: '/', weight: 2.5 },
  { path: '/pricing', weight: 0.3 },
];

const PAID_CAMPAIGNS = [
  { campaign: 'brand', terms: ['acme analytics', 'acme analytics pricing', 'acme web analytics'] },
  { campaign: 'competitors', terms: ['google analytics alternative', 'plausible alternative', 'matomo alternative'] },
  {
    campaign: 'privacy-analytics',
    terms: ['privacy friendly analytics', 'cookieless analytics', 'gdpr analytics tool'],
  },
];

const NEWSLETTER_CAMPAIGNS = ['weekly-digest', 'product-update', 'monthly-roundup', 'launch-week'];

function paidSearchTag(random: Random): string {
  const { campaign, terms } = pickOne(random, PAID_CAMPAIGNS);
  const params = new URLSearchParams({
    utm_source: 'google',
    utm_medium: 'cpc',
    utm_campaign: campaign,
    utm_term: pickOne(random, terms),
  });
  // gclid: opaque base64url-like token of about 90 characters, as Google Ads appends it.
  params.set(
    'gclid',
    `Cj0KCQiA${randomToken(random, 80, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`,
  );
  return params.toString();
}

export const TRAFFIC_SOURCES: readonly TrafficSource[] = [
  {
    name: 'Direct',
    weight: 30,
    referrers: [''],
    landing: [
      { path: '/', weight: 6 },
      { path: '/login', weight: 1.5 },
      { section: 'docs', weight: 1.5 },
      { section: 'blog', weight: 1 },
      { path: '/pricing', weight: 0.7 },
    ],
  },
  {
    name: 'Google',
    weight: 26,
    referrers: [
      'https://www.google.com/',
      'https://www.google.com/',
      'https://www.google.com/',
      'https://www.google.de/',
      'https://www.google.co.uk/',
      'https://www.google.co.in/',
    ],
    landing: SEARCH_LANDING,
  },
  { name: 'Bing', weight: 4, referrers: ['https://www.bing.com/'], landing: SEARCH_LANDING },
  { name: 'DuckDuckGo', weight: 3, referrers: ['https://duckduckgo.com/'], landing: SEARCH_LANDING },
  {
    name: 'Other search',
    weight: 1.2,
    referrers: ['https://search.brave.com/', 'https://www.ecosia.org/', 'https://search.yahoo.com/'],
    landing: SEARCH_LANDING,
  },
  {
    name: 'Hacker News',
    weight: 3,
    referrers: [
      'https://news.ycombinator.com/',
      'https://news.ycombinator.com/item?id=41968812',
      'https://news.ycombinator.com/news',
    ],
    landing: [
      { section: 'blog', weight: 8 },
      { path: '/', weight: 2 },
    ],
  },
  {
    name: 'Reddit',
    weight: 2.5,
    referrers: [
      'https://www.reddit.com/',
      'https://www.reddit.com/r/selfhosted/',
      'https://old.reddit.com/',
      'https://out.reddit.com/',
    ],
    landing: SOCIAL_LANDING,
  },
  { name: 'Twitter', weight: 2.5, referrers: ['https://t.co/', 'https://x.com/'], landing: SOCIAL_LANDING },
  {
    name: 'Facebook',
    weight: 1.5,
    referrers: ['https://l.facebook.com/', 'https://m.facebook.com/', 'https://www.facebook.com/'],
    landing: SOCIAL_LANDING,
  },
  {
    name: 'LinkedIn',
    weight: 1.5,
    referrers: ['https://www.linkedin.com/', 'https://lnkd.in/', 'https://www.linkedin.com/feed/'],
    landing: SOCIAL_LANDING,
  },
  {
    name: 'GitHub',
    weight: 4,
    referrers: ['https://github.com/', 'https://github.com/acme-analytics/acme'],
    landing: [
      { section: 'docs', weight: 5 },
      { path: '/', weight: 3 },
      { path: '/changelog', weight: 0.5 },
    ],
  },
  {
    name: 'Newsletter',
    weight: 4,
    referrers: ['', '', '', 'https://outlook.live.com/'],
    landing: [
      { section: 'blog', weight: 6 },
      { path: '/changelog', weight: 1 },
      { path: '/pricing', weight: 0.5 },
    ],
    tag: (random) =>
      new URLSearchParams({
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: pickOne(random, NEWSLETTER_CAMPAIGNS),
      }).toString(),
  },
  {
    name: 'Paid search',
    weight: 4,
    referrers: ['https://www.google.com/'],
    landing: [
      { path: '/', weight: 3 },
      { path: '/pricing', weight: 3 },
      { path: '/features', weight: 1 },
    ],
    tag: paidSearchTag,
  },
  {
    name: 'Paid social',
    weight: 0.8,
    referrers: ['https://l.facebook.com/', 'https://www.linkedin.com/'],
    landing: [
      { path: '/', weight: 2 },
      { path: '/pricing', weight: 1 },
    ],
    tag: (random) =>
      new URLSearchParams({
        utm_source: 'facebook',
        utm_medium: 'paid_social',
        utm_campaign: 'retargeting',
        fbclid: `IwAR${randomToken(random, 56)}`,
      }).toString(),
  },
  {
    name: 'Referral',
    weight: 3.5,
    referrers: [
      'https://dev.to/',
      'https://medium.com/',
      'https://stackoverflow.com/',
      'https://www.producthunt.com/',
      'https://alternativeto.net/',
      'https://www.indiehackers.com/',
      'https://lobste.rs/',
    ],
    landing: [
      { path: '/', weight: 4 },
      { section: 'blog', weight: 3 },
      { section: 'docs', weight: 1 },
    ],
  },
  {
    name: 'AI assistants',
    weight: 1.5,
    referrers: [
      'https://chatgpt.com/',
      'https://www.perplexity.ai/',
      'https://gemini.google.com/',
      'https://claude.ai/',
    ],
    landing: [
      { path: '/', weight: 3 },
      { section: 'docs', weight: 2 },
      { section: 'blog', weight: 1 },
    ],
  },
];

/** Fills in the parts of a referrer that vary per visit (t.co short links carry a random code). */
export function concreteReferrer(random: Random, referrer: string): string {
  if (referrer === 'https://t.co/') return `https://t.co/${randomToken(random, 10)}`;
  if (referrer === 'https://lnkd.in/') return `https://lnkd.in/${randomToken(random, 8)}`;
  if (referrer === 'https://news.ycombinator.com/item?id=41968812' && random() < 0.3)
    return `https://news.ycombinator.com/item?id=${randomInt(random, 41000000, 42999999)}`;
  return referrer;
}

/** Referrer URLs with their share of visits (direct as ''): what the ingestion bench samples from. */
export const REFERRER_MIX: readonly { value: string; weight: number }[] = TRAFFIC_SOURCES.flatMap((source) =>
  source.referrers.map((referrer) => ({ value: referrer, weight: source.weight / source.referrers.length })),
);
