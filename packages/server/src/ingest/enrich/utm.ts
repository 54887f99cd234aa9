import { LIMITS } from '../../domain/event.js';
import { capString, cleanString } from '../../domain/url.js';

/** The campaign columns of an event, named as in EventRow. */
export interface UtmFields {
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  /** Name of the first ad-platform click id present ('gclid'), or ''. The id's value is never kept. */
  click_id_param: string;
}

/**
 * Click-id parameters, in the order they are reported when a URL carries several. Values are lower-case canonical
 * names; the lookup ignores case because platforms are not consistent (Snapchat sends `ScCid`).
 */
export const CLICK_ID_PARAMS: readonly string[] = [
  'gclid', // Google Ads
  'gbraid', // Google Ads, iOS app-to-web
  'wbraid', // Google Ads, iOS web-to-app
  'dclid', // Google Display & Video 360
  'msclkid', // Microsoft Advertising
  'yclid', // Yandex Direct
  'fbclid', // Facebook / Instagram (added to organic clicks too)
  'ttclid', // TikTok Ads
  'twclid', // X / Twitter Ads
  'li_fat_id', // LinkedIn Ads
  'epik', // Pinterest Ads
  'sccid', // Snapchat Ads
  'rdt_cid', // Reddit Ads
  'igshid', // Instagram share links
  'mc_cid', // Mailchimp campaigns
];
const CLICK_ID_SET: ReadonlySet<string> = new Set(CLICK_ID_PARAMS);

/** Longest query string read; validation caps whole URLs at LIMITS.url, this only bounds the work per call. */
const QUERY_INPUT_MAX = 4 * LIMITS.url;

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const;
type UtmKey = (typeof UTM_KEYS)[number];
const UTM_KEY_SET: ReadonlySet<string> = new Set(UTM_KEYS);

/**
 * Campaign parameters of a page's query string (without the '?'). Like Plausible, `source` and then `ref` stand in
 * for a missing utm_source (`?ref=producthunt` is common on launch links). Parameter names match case-insensitively,
 * the first non-empty value of each wins, and every value is trimmed and capped at LIMITS.utm. Never throws.
 *
 * @example utmFrom('utm_source=newsletter&utm_medium=email&gclid=abc')
 * // { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: '', utm_content: '', utm_term: '',
 * //   click_id_param: 'gclid' }
 */
export function utmFrom(query: string): UtmFields {
  const fields: UtmFields = {
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_content: '',
    utm_term: '',
    click_id_param: '',
  };
  if (typeof query !== 'string' || query === '') return fields;

  let params: URLSearchParams;
  try {
    params = new URLSearchParams(capString(query.startsWith('?') ? query.slice(1) : query, QUERY_INPUT_MAX));
  } catch {
    return fields;
  }

  let sourceFallback = '';
  let refFallback = '';
  let clickIdRank = Number.POSITIVE_INFINITY;
  for (const [rawName, rawValue] of params) {
    const name = rawName.trim().toLowerCase();
    if (UTM_KEY_SET.has(name)) {
      const key = name as UtmKey;
      if (fields[key] === '') fields[key] = cleanString(rawValue.trim(), LIMITS.utm);
    } else if (name === 'source') {
      if (sourceFallback === '') sourceFallback = cleanString(rawValue.trim(), LIMITS.utm);
    } else if (name === 'ref') {
      if (refFallback === '') refFallback = cleanString(rawValue.trim(), LIMITS.utm);
    } else if (CLICK_ID_SET.has(name) && rawValue.trim() !== '') {
      // A bare `?gclid` is not a click; among several ids, the list's order decides.
      const rank = CLICK_ID_PARAMS.indexOf(name);
      if (rank < clickIdRank) {
        clickIdRank = rank;
        fields.click_id_param = name;
      }
    }
  }
  if (fields.utm_source === '') fields.utm_source = sourceFallback || refFallback;
  return fields;
}
