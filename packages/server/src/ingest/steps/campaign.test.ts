import { describe, expect, it } from 'vitest';
import { campaignStep, withoutClickIds } from './campaign.js';
import type { EventDraft } from './draft.js';
import { validateEvent } from './validate.js';

function draftAt(url: string): EventDraft {
  const draft = validateEvent(
    { name: 'pageview', url },
    { ip: '1.1.1.1', userAgent: 'x', headers: {}, receivedAt: Date.UTC(2026, 0, 1), source: 'web' },
  );
  if ('ok' in draft) throw new Error('invalid');
  return draft;
}

describe('campaign step (UTM, click ids, channel)', () => {
  it('reads UTM tags and decides the channel from them', () => {
    const draft = draftAt('https://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring');
    campaignStep(draft);
    expect(draft.row).toMatchObject({
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
      channel: 'Email',
    });
  });

  it('records which click id was present, never its value', () => {
    const draft = draftAt('https://example.com/?page=2&GCLID=abc123&fbclid=xyz789&q=shoes');
    campaignStep(draft);
    expect(draft.row).toMatchObject({ click_id_param: 'gclid', channel: 'Paid Search', query: 'page=2&q=shoes' });
    expect(JSON.stringify(draft.row)).not.toMatch(/abc123|xyz789/);
  });

  it('uses the classified referrer for the channel', () => {
    const draft = draftAt('https://example.com/');
    draft.row.referrer_source = 'Google';
    draft.referrerKind = 'search';
    campaignStep(draft);
    expect(draft.row.channel).toBe('Organic Search');
  });

  it('calls a visit with no trace of origin Direct', () => {
    const draft = draftAt('https://example.com/');
    campaignStep(draft);
    expect(draft.row.channel).toBe('Direct');
  });

  it('leaves queries without click ids exactly as sent', () => {
    expect(withoutClickIds('a=1&b=%ZZ&&c')).toBe('a=1&b=%ZZ&&c');
    expect(withoutClickIds('gclid=1')).toBe('');
  });
});
