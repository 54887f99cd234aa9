/**
 * The Stats API's dimension names (Plausible's v2 vocabulary), shared by the server, which allows exactly these, and
 * the dashboard, which builds filters from them.
 */

export const EVENT_DIMENSIONS = ['event:page', 'event:hostname', 'event:name', 'event:goal'] as const;

export const VISIT_DIMENSIONS = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:source',
  'visit:referrer',
  'visit:channel',
  'visit:utm_medium',
  'visit:utm_source',
  'visit:utm_campaign',
  'visit:utm_content',
  'visit:utm_term',
  'visit:device',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:country',
  'visit:screen',
] as const;

export type EventDimension = (typeof EVENT_DIMENSIONS)[number];
export type VisitDimension = (typeof VISIT_DIMENSIONS)[number];
