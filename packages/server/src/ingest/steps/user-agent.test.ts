import { describe, expect, it } from 'vitest';
import { parseUserAgent } from '../enrich/user-agent.js';
import type { EventDraft } from './draft.js';
import { userAgentStep } from './user-agent.js';
import { validateEvent } from './validate.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

describe('user agent step', () => {
  it('fills browser, OS and device, and stores nothing of the user agent itself', () => {
    const draft = validateEvent(
      { name: 'pageview', url: 'https://example.com/' },
      { ip: '1.1.1.1', userAgent: IPHONE, headers: {}, receivedAt: Date.UTC(2026, 0, 1), source: 'web' },
    ) as EventDraft;
    userAgentStep(draft, parseUserAgent);
    expect(draft.row).toMatchObject({ browser: 'Safari', os: 'iOS', device: 'mobile' });
    expect(JSON.stringify(draft.row)).not.toContain('AppleWebKit');
  });
});
