import { describe, expect, it } from 'vitest';
import { createGeoLocator } from '../enrich/geo.js';
import type { EventDraft } from './draft.js';
import { geoStep } from './geo.js';
import { validateEvent } from './validate.js';

function draftFrom(
  ip: string,
  headers: Record<string, string>,
  raw: object = {},
  source: 'web' | 'api' = 'web',
): EventDraft {
  return validateEvent(
    { name: 'pageview', url: 'https://example.com/', ...raw },
    { ip, userAgent: 'x', headers, receivedAt: Date.UTC(2026, 0, 1), source },
  ) as EventDraft;
}

describe('geo step', () => {
  const geo = createGeoLocator({
    countryHeader: 'cf-ipcountry',
    loadDatabase: () => ({ lookup: () => ({ country: 'FR' }) }),
  });

  it('takes the country from the trusted CDN header', () => {
    const draft = draftFrom('10.0.0.1', { 'cf-ipcountry': 'DE' });
    geoStep(draft, geo);
    expect(draft.row.country).toBe('DE');
  });

  it('looks the IP up when there is no header, and keeps no IP on the row', () => {
    const draft = draftFrom('81.2.69.160', {});
    geoStep(draft, geo);
    expect(draft.row.country).toBe('FR');
    expect(JSON.stringify(draft.row)).not.toContain('81.2.69.160');
  });

  it("ignores the sender's CDN header when an API event names its client's IP", () => {
    const draft = draftFrom('81.2.69.160', { 'cf-ipcountry': 'DE' }, { ip: '81.2.69.161' }, 'api');
    geoStep(draft, geo);
    expect(draft.row.country).toBe('FR');
  });
});
