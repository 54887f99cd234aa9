import { channelFor } from '../../domain/channel.js';
import { CLICK_ID_PARAMS, utmFrom } from '../enrich/utm.js';
import type { EventDraft } from './draft.js';

const CLICK_IDS: ReadonlySet<string> = new Set(CLICK_ID_PARAMS);

/**
 * Steps 7–8, UTM & click ids, then channel. The channel needs both the referrer classification (step 5) and the
 * campaign tags of the landing URL, so it is decided once both are on the draft.
 *
 * Click-id values are removed from the stored query: each one is unique to one ad click, so keeping it would let
 * anyone holding the ad platform's records tie a visit to a person. Only the parameter's name is kept.
 */
export function campaignStep(draft: EventDraft): undefined {
  const { row } = draft;
  const utm = utmFrom(row.query);
  row.utm_source = utm.utm_source;
  row.utm_medium = utm.utm_medium;
  row.utm_campaign = utm.utm_campaign;
  row.utm_content = utm.utm_content;
  row.utm_term = utm.utm_term;
  row.click_id_param = utm.click_id_param;
  row.query = withoutClickIds(row.query);
  row.channel = channelFor({
    referrerSource: row.referrer_source,
    referrerKind: draft.referrerKind,
    utmSource: row.utm_source,
    utmMedium: row.utm_medium,
    utmCampaign: row.utm_campaign,
    clickIdParam: row.click_id_param,
  });
  return undefined;
}

/** The query without click-id parameters; every other parameter stays exactly as sent. */
export function withoutClickIds(query: string): string {
  if (query === '') return query;
  const kept = query.split('&').filter((pair) => {
    const rawName = pair.split('=', 1)[0] ?? '';
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    return !CLICK_IDS.has(name.trim().toLowerCase());
  });
  return kept.length === query.split('&').length ? query : kept.join('&');
}
