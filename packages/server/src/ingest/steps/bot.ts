import { isBotRequest } from '../enrich/bots.js';
import { type Drop, drop, type EventDraft } from './draft.js';

/**
 * Step 4, bot: crawlers and headless browsers are not visitors. Imports skip it: the tool they come from already
 * filtered its bots, and historical exports often carry no user agent at all.
 */
export function botStep(draft: EventDraft): Drop | undefined {
  if (draft.ctx.source === 'import') return undefined;
  return isBotRequest(draft.client.userAgent, draft.client.headers) ? drop('bot') : undefined;
}
