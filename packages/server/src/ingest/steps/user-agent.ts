import type { UserAgentParser } from '../enrich/user-agent.js';
import type { EventDraft } from './draft.js';

/** Step 6, parse UA: browser, OS and device class. The user agent itself is never stored. */
export function userAgentStep(draft: EventDraft, parse: UserAgentParser): undefined {
  const info = parse(draft.client.userAgent);
  const { row } = draft;
  row.browser = info.browser;
  row.browser_version = info.browser_version;
  row.os = info.os;
  row.os_version = info.os_version;
  row.device = info.device;
  return undefined;
}
