import { describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../../storage/state/memory.js';
import { createSessionTracker } from '../sessions.js';
import { emptyRow } from './draft.js';
import { sessionStep } from './session.js';

const T0 = Date.UTC(2026, 2, 1, 12);

function setup() {
  const state = createMemoryStateStore({ now: () => T0, sweepIntervalMs: 0 });
  return createSessionTracker({ state, clock: () => T0 });
}

function rowAt(ts: number, name = 'pageview') {
  return { ...emptyRow(), site_id: 1, ts, name, interactive: name === 'engagement' ? 0 : 1 };
}

describe('session step', () => {
  it("stamps the session's ids on the row", async () => {
    const sessions = setup();
    const first = rowAt(T0);
    const second = rowAt(T0 + 60_000);
    expect(await sessionStep(first, { visitorId: '42' }, sessions)).toBeUndefined();
    expect(await sessionStep(second, { visitorId: '42' }, sessions)).toBeUndefined();
    expect(first.visitor_id).toBe('42');
    expect(first.session_id).toMatch(/^\d+$/);
    expect(second.session_id).toBe(first.session_id);
  });

  it("keeps yesterday's visitor id for a visit that crossed midnight", async () => {
    const sessions = setup();
    await sessionStep(rowAt(T0), { visitorId: 'old' }, sessions);
    const row = rowAt(T0 + 60_000);
    await sessionStep(row, { visitorId: 'new', previousVisitorId: () => 'old' }, sessions);
    expect(row.visitor_id).toBe('old');
  });

  it('drops an engagement report with no visit to attach it to', async () => {
    const dropped = await sessionStep(rowAt(T0, 'engagement'), { visitorId: '42' }, setup());
    expect(dropped).toMatchObject({ ok: false, reason: 'no_session' });
    expect(dropped?.detail).toMatch(/without an active session/);
  });
});
