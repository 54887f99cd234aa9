import type { EventDraft } from './draft.js';

/** The slice of the geo locator the pipeline reads: an ISO-3166 alpha-2 code, or '' when unknown. */
export interface GeoLocator {
  countryFor(ip: string, headers: Record<string, string | string[] | undefined>): string;
}

/** Step 9, geo: the country, from the offline database or a trusted CDN header. The IP goes no further than this. */
export function geoStep(draft: EventDraft, geo: GeoLocator): undefined {
  draft.row.country = geo.countryFor(draft.client.ip, draft.client.headers);
  return undefined;
}
