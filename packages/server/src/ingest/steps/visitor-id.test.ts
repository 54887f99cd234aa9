import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../types.js';
import type { EventDraft } from './draft.js';
import { validateEvent } from './validate.js';
import { type SaltSource, saltsForEvent, visitorIdsFor } from './visitor-id.js';

const DAY1 = Buffer.alloc(32, 1);
const DAY2 = Buffer.alloc(32, 2);

function fakeSalts(byDay: Record<string, Buffer>): SaltSource {
  return { saltFor: async (day) => byDay[day] };
}

function draftAt(receivedAt: number, raw: object = {}, source: RequestContext['source'] = 'web'): EventDraft {
  return validateEvent(
    { name: 'pageview', url: 'https://example.com/', ...raw },
    { ip: '203.0.113.9', userAgent: 'UA', headers: {}, receivedAt, source },
  ) as EventDraft;
}

describe('visitor id step', () => {
  it("hashes with the event day's salt and also yesterday's while it exists", async () => {
    const draft = draftAt(Date.UTC(2026, 2, 2, 0, 5));
    const salts = await saltsForEvent(draft, fakeSalts({ '2026-03-02': DAY2, '2026-03-01': DAY1 }));
    expect(salts).toEqual({ current: DAY2, previous: DAY1 });
    const ids = visitorIdsFor(salts, 1, draft.client);
    expect(ids.visitorId).toMatch(/^\d+$/);
    expect(ids.previousVisitorId?.()).toMatch(/^\d+$/);
    expect(ids.visitorId).not.toBe(ids.previousVisitorId?.());
  });

  it('gives the same person different ids on different sites', async () => {
    const draft = draftAt(Date.UTC(2026, 2, 2, 12));
    const salts = await saltsForEvent(draft, fakeSalts({ '2026-03-02': DAY2 }));
    expect(salts.previous).toBeUndefined();
    expect(visitorIdsFor(salts, 1, draft.client).visitorId).not.toBe(visitorIdsFor(salts, 2, draft.client).visitorId);
  });

  it("falls back to today's salt for an API event from a day whose salt is gone", async () => {
    const now = Date.UTC(2026, 2, 5, 12);
    const draft = draftAt(now, { timestamp: Date.UTC(2026, 2, 1, 12) }, 'api');
    expect(await saltsForEvent(draft, fakeSalts({ '2026-03-05': DAY2 }))).toEqual({ current: DAY2 });
  });

  it('uses the per-import salts for imports', async () => {
    const draft = draftAt(Date.UTC(2026, 2, 5), { timestamp: Date.UTC(2025, 0, 10, 8) }, 'import');
    const days: string[] = [];
    const salts = await saltsForEvent(draft, fakeSalts({}), (day) => {
      days.push(day);
      return Buffer.from(day);
    });
    expect(days).toEqual(['2025-01-10', '2025-01-09']);
    expect(salts.current.toString()).toBe('2025-01-10');
  });

  it('fails loudly when not even today has a salt (the metadata store is down)', async () => {
    await expect(saltsForEvent(draftAt(Date.UTC(2026, 2, 5)), fakeSalts({}))).rejects.toThrow(/No visitor-id salt/);
  });
});
