import { describe, expect, it } from 'vitest';
import { ENGAGEMENT, PAGEVIEW } from '../../domain/event.js';
import { findEventRowProblem } from '../../storage/events/event-row.js';
import { generateGroundTruth } from './generate-ground-truth.js';
import { localDateOf, localMidnightMs } from './local-time.js';

const data = generateGroundTruth();
const { rows, truth } = data;

function sessionsOf(list: typeof rows) {
  const sessions = new Map<string, typeof rows>();
  for (const row of list) sessions.set(row.session_id, [...(sessions.get(row.session_id) ?? []), row]);
  return [...sessions.values()];
}

describe('generateGroundTruth', () => {
  it('gives the same rows and truth for the same seed, and different ones for another seed', () => {
    const again = generateGroundTruth();
    expect(again.rows).toEqual(rows);
    expect(again.truth).toEqual(truth);
    const other = generateGroundTruth({ seed: 2 });
    expect(other.rows[0]?.event_id).not.toBe(rows[0]?.event_id);
  });

  it('produces only rows the event store accepts, with unique event ids', () => {
    expect(rows.length).toBeGreaterThan(3000);
    for (const row of rows) expect(findEventRowProblem(row)?.message).toBeUndefined();
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(rows.length);
    expect(rows.every((row) => row.site_id === 1)).toBe(true);
  });

  it('covers the Berlin spring-forward day by default', () => {
    expect(data.firstDay).toBe('2025-03-27');
    expect(data.lastDay).toBe('2025-04-02');
    const dst = truth.days.find((day) => day.date === '2025-03-30');
    expect(dst?.visits).toBeGreaterThan(100);
    // Visits on the 23-hour day start between its two midnights, 23:00Z and 22:00Z.
    const dstVisits = sessionsOf(rows).filter((s) => localDateOf(s[0]?.ts ?? 0, 'Europe/Berlin') === '2025-03-30');
    expect(Math.min(...dstVisits.map((s) => s[0]?.ts ?? 0))).toBeGreaterThanOrEqual(
      localMidnightMs('2025-03-30', 'Europe/Berlin'),
    );
  });

  it('makes realistic visits: bounces, 1–6 pageviews, engagement after pageviews, visits across local midnight', () => {
    const sessions = sessionsOf(rows);
    const pageviewCounts = sessions.map((s) => s.filter((row) => row.name === PAGEVIEW).length);
    expect(Math.min(...pageviewCounts)).toBe(1);
    expect(Math.max(...pageviewCounts)).toBe(6);
    expect(truth.totals.bounceRate).toBeGreaterThan(20);
    expect(truth.totals.bounceRate).toBeLessThan(60);
    const crossing = sessions.filter(
      (s) => localDateOf(s[0]?.ts ?? 0, 'Europe/Berlin') !== localDateOf(s[s.length - 1]?.ts ?? 0, 'Europe/Berlin'),
    );
    expect(crossing.length).toBeGreaterThan(20);
    for (const session of sessions) {
      const first = session[0];
      expect(first?.name).toBe(PAGEVIEW);
      // Strictly increasing ts inside a visit, gaps below the 30-minute session timeout.
      for (let i = 1; i < session.length; i++) {
        const gap = (session[i]?.ts ?? 0) - (session[i - 1]?.ts ?? 0);
        expect(gap).toBeGreaterThan(0);
        expect(gap).toBeLessThan(30 * 60_000);
      }
      for (const engagement of session.filter((row) => row.name === ENGAGEMENT)) {
        expect(engagement.interactive).toBe(0);
        expect(engagement.engagement_ms).toBeGreaterThan(0);
        expect(engagement.scroll_depth).toBeLessThanOrEqual(100);
      }
    }
  });

  it('carries custom events with props and revenue, and campaign data on landing pageviews only', () => {
    const signups = rows.filter((row) => row.name === 'Signup');
    expect(signups.length).toBeGreaterThan(30);
    expect(signups.every((row) => ['free', 'pro', 'business'].includes(row.props.plan ?? ''))).toBe(true);
    const purchases = rows.filter((row) => row.name === 'Purchase');
    expect(purchases.length).toBeGreaterThan(5);
    expect(purchases.every((row) => row.revenue_amount !== null && row.revenue_currency === 'EUR')).toBe(true);
    const tagged = rows.filter((row) => row.utm_medium === 'email');
    expect(tagged.length).toBeGreaterThan(10);
    // Events on the landing page share its referrer; from the second pageview on, the referrer is internal.
    for (const session of sessionsOf(rows)) {
      const second = session.findIndex((row, index) => index > 0 && row.name === PAGEVIEW);
      if (second === -1) continue;
      expect(session.slice(second).every((row) => row.referrer_source === '' && row.utm_source === '')).toBe(true);
    }
    for (const column of ['channel', 'country', 'device', 'browser', 'hostname'] as const) {
      expect(new Set(rows.map((row) => row[column])).size).toBeGreaterThan(1);
    }
  });

  it('clamps out-of-range sizes and refuses an unknown time zone', () => {
    const small = generateGroundTruth({ days: 0, visitorsPerDay: -5, seed: 3 });
    expect(small.truth.totals.visitors).toBeGreaterThanOrEqual(1);
    expect(small.firstDay).toBe(small.lastDay);
    expect(() => generateGroundTruth({ timezone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
