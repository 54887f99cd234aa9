import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../types.js';
import { botStep } from './bot.js';
import type { EventDraft } from './draft.js';
import { validateEvent } from './validate.js';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function draftFrom(userAgent: string, source: RequestContext['source'] = 'web'): EventDraft {
  const draft = validateEvent(
    { name: 'pageview', url: 'https://example.com/' },
    { ip: '203.0.113.9', userAgent, headers: {}, receivedAt: Date.UTC(2026, 0, 1), source },
  );
  if ('ok' in draft) throw new Error('invalid');
  return draft;
}

describe('bot step', () => {
  it('drops crawlers and scripts', () => {
    expect(botStep(draftFrom('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'))).toEqual({
      ok: false,
      reason: 'bot',
    });
    expect(botStep(draftFrom('curl/8.4.0'))).toEqual({ ok: false, reason: 'bot' });
  });

  it('keeps browsers', () => {
    expect(botStep(draftFrom(CHROME))).toBeUndefined();
  });

  it('skips imports, whose history often has no user agent', () => {
    expect(botStep(draftFrom('', 'import'))).toBeUndefined();
  });
});
