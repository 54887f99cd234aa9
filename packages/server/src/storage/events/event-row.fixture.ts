import { randomUUID } from 'node:crypto';
import type { EventRow } from '../../domain/event.js';

/** A valid, fully populated event row for tests; override what the test is about. */
export function sampleEventRow(overrides: Partial<EventRow> = {}): EventRow {
  return {
    site_id: 1,
    ts: Date.UTC(2025, 0, 15, 12, 0, 0, 250),
    event_id: randomUUID(),
    name: 'pageview',
    visitor_id: '1234567890123456789',
    session_id: '987654321',
    user_id: '',
    hostname: 'example.com',
    pathname: '/pricing',
    query: '',
    hash: '',
    title: 'Pricing',
    referrer: 'https://www.google.com/',
    referrer_domain: 'google.com',
    referrer_source: 'Google',
    channel: 'Organic Search',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_content: '',
    utm_term: '',
    click_id_param: '',
    browser: 'Firefox',
    browser_version: '128',
    os: 'Linux',
    os_version: '',
    device: 'desktop',
    screen_w: 1920,
    screen_h: 1080,
    viewport_w: 1280,
    viewport_h: 720,
    language: 'en-US',
    timezone: 'Europe/Berlin',
    country: 'DE',
    engagement_ms: 0,
    scroll_depth: 0,
    visibility_changes: 0,
    interactive: 1,
    props: {},
    revenue_amount: null,
    revenue_currency: '',
    is_bot: 0,
    source: 'web',
    ...overrides,
  };
}

/** `count` distinct rows. */
export function sampleEventRows(count: number, overrides: Partial<EventRow> = {}): EventRow[] {
  return Array.from({ length: count }, () => sampleEventRow(overrides));
}
