/**
 * Channel rules: which marketing channel brought a visit. Modelled on Google Analytics 4's default channel group
 * (which Plausible follows too), so numbers read the way marketers expect. Two deliberate differences:
 * - GA4's "Unassigned" does not exist here: a visit that came from somewhere (a referrer, a tagged link, a click id)
 *   but matches no rule is a "Referral"; only a visit with no trace of origin at all is "Direct".
 * - Both the UTM source and the HTTP referrer are known at ingestion, so the kind of site (search, social, …) is
 *   taken from utm_source when it names a known site, else from the referrer database.
 */

/** What kind of site a referrer (or a utm_source value) is. '' means there was no external referrer. */
export type ReferrerKind = 'search' | 'social' | 'video' | 'shopping' | 'email' | 'ads' | 'unknown';

export type Channel =
  | 'Direct'
  | 'Organic Search'
  | 'Paid Search'
  | 'Organic Social'
  | 'Paid Social'
  | 'Email'
  | 'Affiliates'
  | 'Display'
  | 'Organic Video'
  | 'Paid Video'
  | 'Paid Shopping'
  | 'Organic Shopping'
  | 'Audio'
  | 'SMS'
  | 'Mobile Push Notifications'
  | 'Cross-network'
  | 'Referral'
  | 'Paid Other';

/** Every channel, in the order the rules try them (dashboards can use it for a stable legend). */
export const CHANNELS: readonly Channel[] = [
  'Direct',
  'Cross-network',
  'Paid Shopping',
  'Paid Search',
  'Paid Social',
  'Paid Video',
  'Display',
  'Paid Other',
  'Organic Shopping',
  'Organic Social',
  'Organic Video',
  'Organic Search',
  'Referral',
  'Email',
  'Affiliates',
  'Audio',
  'SMS',
  'Mobile Push Notifications',
];

export interface ChannelInput {
  /** Source name from the referrer database ('Google'), or the referrer's domain when unknown; '' for none. */
  referrerSource: string;
  referrerKind: ReferrerKind | '';
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  /** Name of the ad-platform click id found in the page URL ('gclid'), or ''. */
  clickIdParam: string;
}

/** What a click id says about the visit: ad platforms add them to paid clicks, some (fbclid) to every click. */
interface ClickIdMeaning {
  kind: ReferrerKind;
  paid: boolean;
  display?: boolean;
}

const CLICK_IDS: ReadonlyMap<string, ClickIdMeaning> = new Map<string, ClickIdMeaning>([
  ['gclid', { kind: 'search', paid: true }],
  ['gbraid', { kind: 'search', paid: true }],
  ['wbraid', { kind: 'search', paid: true }],
  ['msclkid', { kind: 'search', paid: true }],
  ['yclid', { kind: 'search', paid: true }],
  ['dclid', { kind: 'ads', paid: true, display: true }],
  ['ttclid', { kind: 'social', paid: true }],
  ['twclid', { kind: 'social', paid: true }],
  ['li_fat_id', { kind: 'social', paid: true }],
  ['epik', { kind: 'social', paid: true }],
  ['sccid', { kind: 'social', paid: true }],
  ['rdt_cid', { kind: 'social', paid: true }],
  // Facebook and Instagram tag every outbound link, paid or not.
  ['fbclid', { kind: 'social', paid: false }],
  ['igshid', { kind: 'social', paid: false }],
  ['mc_cid', { kind: 'email', paid: false }],
]);

/**
 * Well-known utm_source spellings and what kind of site they name. Matched after lower-casing and on the site's
 * name without subdomain and TLD, so 'Facebook', 'facebook.com' and 'l.facebook.com' all read as social.
 */
const SOURCE_KINDS: ReadonlyMap<string, ReferrerKind> = new Map<string, ReferrerKind>([
  ...names('search', [
    'google',
    'bing',
    'yahoo',
    'yahoo!',
    'duckduckgo',
    'ddg',
    'baidu',
    'yandex',
    'ecosia',
    'brave',
    'brave search',
    'search.brave.com',
    'naver',
    'seznam',
    'qwant',
    'startpage',
    'kagi',
    'sogou',
    'daum',
    'aol',
    'ask',
    'so.com',
    'search.yahoo.com',
    'googlesearch',
    'google search',
    'bing ads',
    'microsoft ads',
    'adwords',
    'google ads',
  ]),
  ...names('social', [
    'facebook',
    'fb',
    'meta',
    'instagram',
    'ig',
    'twitter',
    'x',
    't.co',
    'linkedin',
    'lnkd.in',
    'reddit',
    'pinterest',
    'tiktok',
    'snapchat',
    'threads',
    'bluesky',
    'bsky',
    'bsky.app',
    'mastodon',
    'tumblr',
    'vk',
    'vkontakte',
    'weibo',
    'quora',
    'discord',
    'telegram',
    't.me',
    'whatsapp',
    'wa.me',
    'line',
    'messenger',
    'wechat',
    'xing',
    'nextdoor',
    'hacker news',
    'hackernews',
    'hn',
    'news.ycombinator.com',
    'ycombinator',
    'github',
    'stackoverflow',
    'stack overflow',
    'producthunt',
    'product hunt',
    'medium',
    'slack',
    'lemmy',
    'lobsters',
    'lobste.rs',
    'flipboard',
    'odnoklassniki',
    'douban',
    'qzone',
    'kakaotalk',
    'viber',
  ]),
  ...names('video', ['youtube', 'yt', 'youtu.be', 'vimeo', 'twitch', 'dailymotion', 'wistia', 'rumble', 'bilibili']),
  ...names('shopping', [
    'amazon',
    'ebay',
    'etsy',
    'shopify',
    'walmart',
    'aliexpress',
    'alibaba',
    'mercadolibre',
    'rakuten',
    'target',
    'google shopping',
    'shopping.google.com',
    'igshopping',
    'idealo',
    'zalando',
    'bol.com',
    'allegro',
  ]),
  ...names('email', [
    'gmail',
    'outlook',
    'hotmail',
    'yahoo mail',
    'newsletter',
    'mailchimp',
    'klaviyo',
    'sendgrid',
    'convertkit',
    'mailerlite',
    'brevo',
    'sendinblue',
    'campaign monitor',
    'buttondown',
    'beehiiv',
    'proton mail',
    'protonmail',
  ]),
]);

function names(kind: ReferrerKind, list: string[]): Array<[string, ReferrerKind]> {
  return list.map((name) => [name, kind]);
}

const SECOND_LEVEL_LABELS = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or']);

/** Kind of site a free-text source value names, or undefined when it names none we know. */
export function kindOfSourceName(source: string): ReferrerKind | undefined {
  let key = source.trim().toLowerCase();
  if (key === '') return undefined;
  if (key.startsWith('www.')) key = key.slice(4);
  const exact = SOURCE_KINDS.get(key);
  if (exact !== undefined) return exact;
  if (!key.includes('.')) return undefined;
  // 'l.facebook.com' → 'facebook', 'google.co.uk' → 'google'.
  const labels = key.split('.');
  labels.pop();
  if (labels.length > 1 && SECOND_LEVEL_LABELS.has(labels[labels.length - 1] ?? '')) labels.pop();
  const siteName = labels[labels.length - 1];
  return siteName === undefined ? undefined : SOURCE_KINDS.get(siteName);
}

const PAID_MEDIUM = /^(?:.*cp.*|ppc|retargeting|paid.*)$/;
const DISPLAY_MEDIUMS = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIUMS = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']);
const REFERRAL_MEDIUMS = new Set(['referral', 'app', 'link']);
const EMAIL_WORDS = new Set(['email', 'e-mail', 'e_mail', 'e mail', 'newsletter']);
const AFFILIATE_MEDIUMS = new Set(['affiliate', 'affiliates']);
const NO_MEDIUM = new Set(['', '(none)', '(not set)', 'none']);
const SHOP_CAMPAIGN = /(?:^|[^a-df-z])shop|shopping/;

/**
 * The channel of a visit. Pure and total: any strings give a channel, never an exception.
 *
 * @example channelFor({ referrerSource: 'Google', referrerKind: 'search', utmSource: '', utmMedium: '',
 *   utmCampaign: '', clickIdParam: '' }) // 'Organic Search'
 */
export function channelFor(input: ChannelInput): Channel {
  const source = input.utmSource.trim().toLowerCase();
  const medium = input.utmMedium.trim().toLowerCase();
  const campaign = input.utmCampaign.trim().toLowerCase();
  const clickId = CLICK_IDS.get(input.clickIdParam.trim().toLowerCase());
  const hasReferrer = input.referrerSource.trim() !== '';

  const taggedDirect = (source === '(direct)' || source === 'direct') && NO_MEDIUM.has(medium);
  if (!hasReferrer && !clickId && campaign === '' && (taggedDirect || (source === '' && medium === ''))) {
    return 'Direct';
  }

  let kind: ReferrerKind | '' = kindOfSourceName(source) ?? '';
  if (kind === '' && input.referrerKind !== 'unknown') kind = input.referrerKind;
  if (kind === '' && clickId) kind = clickId.kind;
  const paid = PAID_MEDIUM.test(medium) || clickId?.paid === true;
  const shopCampaign = SHOP_CAMPAIGN.test(campaign);

  if (campaign.includes('cross-network')) return 'Cross-network';
  if (paid) {
    if (kind === 'shopping' || shopCampaign) return 'Paid Shopping';
    if (kind === 'search') return 'Paid Search';
    if (kind === 'social') return 'Paid Social';
    if (kind === 'video') return 'Paid Video';
  }
  if (DISPLAY_MEDIUMS.has(medium) || clickId?.display === true || kind === 'ads') return 'Display';
  if (paid) return 'Paid Other';
  if (kind === 'shopping' || shopCampaign) return 'Organic Shopping';
  if (kind === 'social' || SOCIAL_MEDIUMS.has(medium)) return 'Organic Social';
  if (kind === 'video' || medium.includes('video')) return 'Organic Video';
  if (kind === 'search' || medium === 'organic') return 'Organic Search';
  if (REFERRAL_MEDIUMS.has(medium)) return 'Referral';
  if (kind === 'email' || EMAIL_WORDS.has(medium) || EMAIL_WORDS.has(source)) return 'Email';
  if (AFFILIATE_MEDIUMS.has(medium)) return 'Affiliates';
  if (medium === 'audio') return 'Audio';
  if (medium === 'sms' || source === 'sms') return 'SMS';
  if (
    medium.endsWith('push') ||
    medium.includes('mobile') ||
    medium.includes('notification') ||
    source === 'firebase'
  ) {
    return 'Mobile Push Notifications';
  }
  return 'Referral';
}
