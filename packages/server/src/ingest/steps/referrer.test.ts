import { describe, expect, it } from 'vitest';
import { createReferrerClassifier } from '../enrich/referrer.js';
import { createSpamReferrerList } from '../enrich/spam.js';
import type { EventDraft } from './draft.js';
import { referrerStep } from './referrer.js';
import { validateEvent } from './validate.js';

const classify = createReferrerClassifier();
const spam = createSpamReferrerList(['spammy.example']);

function draftWith(referrer: string): EventDraft {
  const draft = validateEvent(
    { name: 'pageview', url: 'https://example.com/page', referrer },
    { ip: '203.0.113.9', userAgent: 'x', headers: {}, receivedAt: Date.UTC(2026, 0, 1), source: 'web' },
  );
  if ('ok' in draft) throw new Error('invalid');
  return draft;
}

describe('referrer step', () => {
  it('names a known source and its kind', () => {
    const draft = draftWith('https://www.google.com/search?q=secret');
    expect(referrerStep(draft, classify, spam)).toBeUndefined();
    expect(draft.row).toMatchObject({ referrer_domain: 'google.com', referrer_source: 'Google' });
    expect(draft.row.referrer).not.toContain('secret');
    expect(draft.referrerKind).toBe('search');
  });

  it('drops referrer spam, naming the domain', () => {
    expect(referrerStep(draftWith('https://www.spammy.example/buy'), classify, spam)).toEqual({
      ok: false,
      reason: 'spam_referrer',
      detail: 'spammy.example',
    });
  });

  it('clears a referrer from the same site: navigation is not a source', () => {
    const draft = draftWith('https://example.com/previous');
    expect(referrerStep(draft, classify, spam)).toBeUndefined();
    expect(draft.row).toMatchObject({ referrer: '', referrer_domain: '', referrer_source: '' });
  });

  it('leaves an event without referrer as it is', () => {
    const draft = draftWith('');
    expect(referrerStep(draft, classify, spam)).toBeUndefined();
    expect(draft.referrerKind).toBe('');
  });
});
