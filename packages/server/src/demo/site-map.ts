import { zipfWeights } from './random.js';

/**
 * The demo site: a small SaaS product with marketing pages, a blog and docs. Popularity follows Zipf's law within
 * each section (a few posts carry the blog, the long tail gets a trickle), which is what real top-pages reports show.
 */
export type Section = 'home' | 'marketing' | 'conversion' | 'blog' | 'docs' | 'legal';

export interface SitePage {
  path: string;
  title: string;
  section: Section;
  /** Relative popularity as a page viewed anywhere in a visit. */
  weight: number;
}

const PRODUCT = 'Acme Analytics';

const BLOG_POSTS: readonly [slug: string, title: string][] = [
  ['why-we-dropped-cookies', 'Why we dropped cookies'],
  ['google-analytics-alternatives', 'The best Google Analytics alternatives in 2026'],
  ['gdpr-compliant-analytics', 'What GDPR-compliant analytics actually means'],
  ['bootstrapping-to-1m-arr', 'Bootstrapping to $1M ARR without investors'],
  ['clickhouse-at-small-scale', 'ClickHouse at small scale: lessons from a year in production'],
  ['self-hosting-guide', 'A practical guide to self-hosting your analytics'],
  ['utm-parameters-explained', 'UTM parameters explained, with examples'],
  ['bounce-rate-myths', 'Five myths about bounce rate'],
  ['server-side-tracking', 'Server-side tracking without the creepiness'],
  ['open-source-business-model', 'How an open-source business model pays the bills'],
  ['measuring-content-marketing', 'Measuring content marketing without cookies'],
  ['ad-blockers-and-analytics', 'Ad blockers and analytics: what gets counted'],
  ['privacy-first-ab-testing', 'Privacy-first A/B testing'],
  ['lightweight-script', 'How we kept our script under 1 KB'],
  ['core-web-vitals', 'Analytics scripts and Core Web Vitals'],
  ['saas-metrics-that-matter', 'The SaaS metrics that matter in year one'],
  ['funnel-analysis-basics', 'Funnel analysis basics'],
  ['referrer-spam', 'Fighting referrer spam'],
  ['dark-patterns-in-consent', 'Dark patterns in consent banners'],
  ['remote-team-rituals', 'Rituals of a fully remote team'],
  ['postgres-to-clickhouse', 'Moving event data from Postgres to ClickHouse'],
  ['pricing-page-redesign', 'What we learned redesigning our pricing page'],
  ['seo-without-tracking', 'SEO without invasive tracking'],
  ['newsletter-growth', 'Growing a newsletter to 20,000 readers'],
  ['annual-review-2025', 'Our 2025 annual review'],
  ['changelog-habits', 'Why we write a changelog every week'],
  ['nextjs-analytics', 'Adding analytics to a Next.js app'],
  ['wordpress-without-plugins', 'WordPress analytics without heavy plugins'],
  ['data-retention-policies', 'Choosing a data retention policy'],
  ['anonymous-visitor-counting', 'Counting unique visitors anonymously'],
];

const DOCS: readonly [section: string, pages: readonly string[]][] = [
  ['getting-started', ['introduction', 'installation', 'quick-start', 'configuration']],
  ['tracking', ['script', 'custom-events', 'outbound-links', 'file-downloads', 'revenue', 'single-page-apps']],
  ['api', ['authentication', 'events', 'stats', 'sites']],
  ['self-hosting', ['docker', 'kubernetes', 'backups', 'upgrading']],
  ['integrations', ['wordpress', 'nextjs', 'shopify', 'google-tag-manager']],
];

function titleCase(slug: string): string {
  return slug
    .split('-')
    .map((word) => (word === 'api' ? 'API' : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(' ');
}

function buildSiteMap(): SitePage[] {
  const pages: SitePage[] = [
    { path: '/', title: `${PRODUCT}: simple, privacy-friendly analytics`, section: 'home', weight: 30 },
    { path: '/pricing', title: `Pricing · ${PRODUCT}`, section: 'conversion', weight: 9 },
    { path: '/features', title: `Features · ${PRODUCT}`, section: 'marketing', weight: 6 },
    { path: '/signup', title: `Start your free trial · ${PRODUCT}`, section: 'conversion', weight: 4 },
    { path: '/login', title: `Log in · ${PRODUCT}`, section: 'conversion', weight: 5 },
    { path: '/about', title: `About us · ${PRODUCT}`, section: 'marketing', weight: 2.5 },
    { path: '/blog', title: `Blog · ${PRODUCT}`, section: 'blog', weight: 5 },
    { path: '/customers', title: `Customers · ${PRODUCT}`, section: 'marketing', weight: 1.5 },
    { path: '/changelog', title: `Changelog · ${PRODUCT}`, section: 'marketing', weight: 1.5 },
    { path: '/contact', title: `Contact · ${PRODUCT}`, section: 'marketing', weight: 1 },
    { path: '/careers', title: `Careers · ${PRODUCT}`, section: 'marketing', weight: 0.6 },
    { path: '/docs', title: `Documentation · ${PRODUCT}`, section: 'docs', weight: 4 },
    { path: '/privacy', title: `Privacy policy · ${PRODUCT}`, section: 'legal', weight: 0.7 },
    { path: '/terms', title: `Terms of service · ${PRODUCT}`, section: 'legal', weight: 0.4 },
  ];
  // The blog as a whole draws about as much as the home page; Zipf spreads that over the posts.
  const blogWeights = zipfWeights(BLOG_POSTS.length, 0.9);
  const blogTotal = blogWeights.reduce((sum, w) => sum + w, 0);
  BLOG_POSTS.forEach(([slug, title], index) => {
    pages.push({
      path: `/blog/${slug}`,
      title: `${title} · ${PRODUCT}`,
      section: 'blog',
      weight: (26 * (blogWeights[index] ?? 0)) / blogTotal,
    });
  });
  const docPages = DOCS.flatMap(([section, names]) => names.map((name) => ({ section, name })));
  const docWeights = zipfWeights(docPages.length, 0.8);
  const docTotal = docWeights.reduce((sum, w) => sum + w, 0);
  docPages.forEach(({ section, name }, index) => {
    pages.push({
      path: `/docs/${section}/${name}`,
      title: `${titleCase(name)} · ${titleCase(section)} · ${PRODUCT} docs`,
      section: 'docs',
      weight: (14 * (docWeights[index] ?? 0)) / docTotal,
    });
  });
  return pages;
}

/** Every page of the demo site, most popular first within each section. */
export const SITE_PAGES: readonly SitePage[] = buildSiteMap();

/** Page paths with their share of pageviews: what the ingestion bench samples from. */
export const PATH_MIX: readonly { value: string; weight: number }[] = SITE_PAGES.map((page) => ({
  value: page.path,
  weight: page.weight,
}));

/** Files offered for download (the 'File Download' custom event), with the page sections that link them. */
export const DOWNLOADS: readonly string[] = [
  '/downloads/acme-analytics-whitepaper.pdf',
  '/downloads/gdpr-dpa.pdf',
  '/downloads/brand-assets.zip',
  '/downloads/acme-analytics-linux-amd64.tar.gz',
];

/** Outbound links on the site (the 'Outbound Link: Click' custom event). */
export const OUTBOUND_LINKS: readonly string[] = [
  'https://github.com/acme-analytics/acme',
  'https://github.com/acme-analytics/acme/releases',
  'https://twitter.com/acmeanalytics',
  'https://www.linkedin.com/company/acme-analytics',
  'https://discord.gg/acme-analytics',
  'https://clickhouse.com/docs',
  'https://gdpr.eu/cookies/',
  'https://news.ycombinator.com/item?id=41968812',
];
