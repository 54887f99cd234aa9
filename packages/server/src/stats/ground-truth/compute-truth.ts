import { ENGAGEMENT, type EventRow, PAGEVIEW } from '../../domain/event.js';
import { isValidTimezone } from '../../domain/timezone.js';
import { localDateOf } from './local-time.js';

/**
 * Ground truth: what every dashboard number must be for a set of rows, computed in plain TypeScript from the rows
 * themselves (never with SQL), so the stats engine can be checked against something that does not share its code.
 *
 * Metric definitions (the contract the stats engine is tested against):
 * - **Counted events** are all events except `engagement` ones. Engagement events carry time on page and scroll depth
 *   for the pageview before them; they are not pageviews, not custom events, and never count towards visitors,
 *   visits, visit duration or any breakdown below.
 * - **Day**: a calendar day in the site's time zone (`timezone`), 'YYYY-MM-DD'. Across a DST change a day is 23 or
 *   25 hours long.
 * - **visitors** = number of distinct `visitor_id` over counted events. Per day: over the counted events whose `ts`
 *   falls on that local day (a visit crossing midnight puts its visitor on both days).
 * - **pageviews** = number of `pageview` events (per day: by the event's own local day).
 * - **visit** = one distinct `session_id`. Visit-level figures (visits, bounces, duration, entry/exit page, source,
 *   channel, country, device, browser) belong to the local day of the visit's FIRST counted event and take the whole
 *   visit into account, also its events after midnight. So per-day visits sum to the total.
 * - **bounce** = a visit with exactly one pageview and no interactive custom event (`interactive = 1`, name neither
 *   `pageview` nor `engagement`). **bounce rate** = bounces / visits × 100 (0 when there are no visits), unrounded.
 * - **visit duration** of one visit = (last counted event's ts − first counted event's ts) / 1000, in seconds;
 *   **visit_duration** = its mean over visits, unrounded (Plausible shows it rounded to whole seconds).
 * - **entry page** = pathname of the visit's first pageview (by ts); **exit page** = pathname of its last pageview.
 * - **source / channel / country / device / browser** of a visit = that column of its first counted event, stored
 *   value as is ('' source = direct / none). Later events of a visit have an internal referrer, so their own
 *   `referrer_source` is '' and their `channel` 'Direct': reading them instead of the first event is a bug.
 * - Breakdown rows carry `visitors` (distinct visitor_id) and `visits` (distinct session_id) of the visits with that
 *   value; a visit without pageviews has no entry or exit page and is left out of those two breakdowns (as Plausible
 *   does). Page and hostname rows carry `visitors` = distinct visitor_id over the counted events with that
 *   pathname/hostname (custom events included: Plausible's event:page is "the page where the event was triggered")
 *   and `pageviews` = the pageview events among them; a page reached only by custom events has 0 pageviews.
 * - **props**: custom events named `eventName` grouped by `props[key]` (events without the key are grouped under
 *   '(none)'): `visitors` and `events`.
 * - **goal conversions**: a page goal matches pageview events whose pathname matches its pattern (`*` = any characters
 *   except '/', `**` = any characters, everything else literal, whole path); an event goal matches counted events with
 *   that name. `visitors` = distinct visitor_id with a matching event, `events` = their count, `conversionRate` =
 *   visitors / all visitors × 100, unrounded.
 * - **funnel**: steps completed in order inside one visit (events sorted by ts; a step is a pageview with a matching
 *   path or a custom event with that name, each later than the previous step's event). A step's `visitors` = distinct
 *   visitor_id with at least one visit reaching that step.
 * - **total revenue** = exact sum of `revenue_amount` over events that have one, as a decimal string with 4 fraction
 *   digits (Decimal(18, 4)); the generator uses a single currency.
 */

export interface PageGoal {
  kind: 'page';
  name: string;
  /** Path pattern: `*` matches any characters but '/', `**` any characters. */
  pathPattern: string;
}

export interface EventGoal {
  kind: 'event';
  name: string;
  eventName: string;
}

export type Goal = PageGoal | EventGoal;

/** A funnel step: a pageview of a path pattern, or a custom event by name. */
export type FunnelStep = { kind: 'page'; pathPattern: string } | { kind: 'event'; eventName: string };

export interface TruthSpec {
  timezone: string;
  goals: readonly Goal[];
  funnel: { name: string; steps: readonly FunnelStep[] };
  /** Custom-event property to break down, e.g. Signup × plan. */
  propsBreakdown: { eventName: string; key: string };
}

export interface DayTruth {
  /** Local calendar day, 'YYYY-MM-DD'. */
  date: string;
  visitors: number;
  visits: number;
  pageviews: number;
  bounces: number;
  /** Percent, unrounded. */
  bounceRate: number;
  /** Mean seconds, unrounded. */
  visitDuration: number;
}

export interface TotalsTruth extends Omit<DayTruth, 'date'> {
  /** Counted events (everything but engagement). */
  events: number;
  /** Decimal string with 4 fraction digits. */
  totalRevenue: string;
}

export interface PageRow {
  value: string;
  visitors: number;
  pageviews: number;
}

export interface VisitRow {
  value: string;
  visitors: number;
  visits: number;
}

export interface PropRow {
  value: string;
  visitors: number;
  events: number;
}

export interface GoalTruth {
  name: string;
  visitors: number;
  events: number;
  /** Percent of all visitors, unrounded. */
  conversionRate: number;
}

export interface FunnelTruth {
  name: string;
  /** Visitors reaching each step, in step order (never increasing). */
  steps: { step: FunnelStep; visitors: number }[];
}

export interface GroundTruth {
  timezone: string;
  /** Every local day with at least one counted event, ascending. */
  days: DayTruth[];
  totals: TotalsTruth;
  /** Rows sorted by visitors desc, then pageviews/visits desc, then value asc. */
  pages: PageRow[];
  hostnames: PageRow[];
  entryPages: VisitRow[];
  exitPages: VisitRow[];
  sources: VisitRow[];
  channels: VisitRow[];
  countries: VisitRow[];
  devices: VisitRow[];
  browsers: VisitRow[];
  props: { eventName: string; key: string; rows: PropRow[] };
  goals: GoalTruth[];
  funnel: FunnelTruth;
}

/** Props breakdown value for events that lack the key. */
export const NO_PROP_VALUE = '(none)';

/**
 * Compiles a page path pattern into an anchored RegExp (`*` = any characters except '/', `**` = any characters).
 *
 * @example pathPatternRegExp('/blog/*').test('/blog/hello') // true
 * @example pathPatternRegExp('/blog/*').test('/blog') // false
 */
export function pathPatternRegExp(pattern: string): RegExp {
  const source = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}

interface Visit {
  sessionId: string;
  visitorId: string;
  /** Counted events in ts order. */
  events: EventRow[];
}

/**
 * Computes the ground truth for `rows` under `spec` (definitions above). Rows of any site are taken as given: pass
 * one site's rows. Throws a RangeError only for an unknown time zone.
 */
export function computeTruth(rows: readonly EventRow[], spec: TruthSpec): GroundTruth {
  const { timezone } = spec;
  if (!isValidTimezone(timezone)) throw new RangeError(`Unknown time zone ${JSON.stringify(timezone)}`);
  const counted = rows.filter((row) => row.name !== ENGAGEMENT);
  const dayOf = new Map<EventRow, string>(counted.map((row) => [row, localDateOf(row.ts, timezone)]));

  const visitsById = new Map<string, Visit>();
  for (const row of counted) {
    let visit = visitsById.get(row.session_id);
    if (visit === undefined) {
      visit = { sessionId: row.session_id, visitorId: row.visitor_id, events: [] };
      visitsById.set(row.session_id, visit);
    }
    visit.events.push(row);
  }
  // Stable sort: events with equal ts keep their input order.
  for (const visit of visitsById.values()) visit.events.sort((a, b) => a.ts - b.ts);
  const visits = [...visitsById.values()];

  const days = new Map<string, DayAccumulator>();
  const dayFor = (date: string): DayAccumulator => {
    let day = days.get(date);
    if (day === undefined) {
      day = newDayAccumulator();
      days.set(date, day);
    }
    return day;
  };
  const totals = newDayAccumulator();
  for (const row of counted) {
    for (const acc of [dayFor(dayOf.get(row) ?? ''), totals]) {
      acc.visitors.add(row.visitor_id);
      if (row.name === PAGEVIEW) acc.pageviews++;
    }
  }
  for (const visit of visits) {
    const first = visit.events[0];
    const last = visit.events[visit.events.length - 1];
    if (first === undefined || last === undefined) continue;
    const pageviews = visit.events.filter((row) => row.name === PAGEVIEW).length;
    const interacted = visit.events.some((row) => row.name !== PAGEVIEW && row.interactive === 1);
    const bounced = pageviews === 1 && !interacted;
    const durationMs = last.ts - first.ts;
    for (const acc of [dayFor(dayOf.get(first) ?? ''), totals]) {
      acc.visits++;
      if (bounced) acc.bounces++;
      acc.durationMs += durationMs;
    }
  }

  const firstPageview = (visit: Visit) => visit.events.find((row) => row.name === PAGEVIEW);
  const lastPageview = (visit: Visit) => {
    for (let i = visit.events.length - 1; i >= 0; i--) if (visit.events[i]?.name === PAGEVIEW) return visit.events[i];
    return undefined;
  };

  return {
    timezone,
    days: [...days.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([date, acc]) => ({ date, ...finishDay(acc) })),
    totals: { ...finishDay(totals), events: counted.length, totalRevenue: sumRevenue(rows) },
    pages: pageRows(counted, (row) => row.pathname),
    hostnames: pageRows(counted, (row) => row.hostname),
    entryPages: visitRows(visits, (visit) => firstPageview(visit)?.pathname),
    exitPages: visitRows(visits, (visit) => lastPageview(visit)?.pathname),
    sources: visitRows(visits, (visit) => visit.events[0]?.referrer_source),
    channels: visitRows(visits, (visit) => visit.events[0]?.channel),
    countries: visitRows(visits, (visit) => visit.events[0]?.country),
    devices: visitRows(visits, (visit) => visit.events[0]?.device),
    browsers: visitRows(visits, (visit) => visit.events[0]?.browser),
    props: { ...spec.propsBreakdown, rows: propRows(counted, spec.propsBreakdown) },
    goals: spec.goals.map((goal) => goalTruth(counted, goal, totals.visitors.size)),
    funnel: funnelTruth(visits, spec.funnel),
  };
}

interface DayAccumulator {
  visitors: Set<string>;
  pageviews: number;
  visits: number;
  bounces: number;
  durationMs: number;
}

function newDayAccumulator(): DayAccumulator {
  return { visitors: new Set(), pageviews: 0, visits: 0, bounces: 0, durationMs: 0 };
}

function finishDay(acc: DayAccumulator): Omit<DayTruth, 'date'> {
  return {
    visitors: acc.visitors.size,
    visits: acc.visits,
    pageviews: acc.pageviews,
    bounces: acc.bounces,
    bounceRate: acc.visits === 0 ? 0 : (acc.bounces / acc.visits) * 100,
    visitDuration: acc.visits === 0 ? 0 : acc.durationMs / 1000 / acc.visits,
  };
}

function compareRows<T extends { value: string; visitors: number }>(second: (row: T) => number) {
  return (a: T, b: T) =>
    b.visitors - a.visitors || second(b) - second(a) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

function pageRows(counted: readonly EventRow[], key: (row: EventRow) => string): PageRow[] {
  const groups = new Map<string, { visitors: Set<string>; pageviews: number }>();
  for (const row of counted) {
    const value = key(row);
    let group = groups.get(value);
    if (group === undefined) {
      group = { visitors: new Set(), pageviews: 0 };
      groups.set(value, group);
    }
    group.visitors.add(row.visitor_id);
    if (row.name === PAGEVIEW) group.pageviews++;
  }
  return [...groups.entries()]
    .map(([value, group]) => ({ value, visitors: group.visitors.size, pageviews: group.pageviews }))
    .sort(compareRows((row) => row.pageviews));
}

function visitRows(visits: readonly Visit[], key: (visit: Visit) => string | undefined): VisitRow[] {
  const groups = new Map<string, { visitors: Set<string>; visits: number }>();
  for (const visit of visits) {
    const value = key(visit);
    if (value === undefined) continue;
    let group = groups.get(value);
    if (group === undefined) {
      group = { visitors: new Set(), visits: 0 };
      groups.set(value, group);
    }
    group.visitors.add(visit.visitorId);
    group.visits++;
  }
  return [...groups.entries()]
    .map(([value, group]) => ({ value, visitors: group.visitors.size, visits: group.visits }))
    .sort(compareRows((row) => row.visits));
}

function propRows(counted: readonly EventRow[], breakdown: TruthSpec['propsBreakdown']): PropRow[] {
  const groups = new Map<string, { visitors: Set<string>; events: number }>();
  for (const row of counted) {
    if (row.name !== breakdown.eventName) continue;
    const value = Object.hasOwn(row.props, breakdown.key) ? (row.props[breakdown.key] ?? '') : NO_PROP_VALUE;
    let group = groups.get(value);
    if (group === undefined) {
      group = { visitors: new Set(), events: 0 };
      groups.set(value, group);
    }
    group.visitors.add(row.visitor_id);
    group.events++;
  }
  return [...groups.entries()]
    .map(([value, group]) => ({ value, visitors: group.visitors.size, events: group.events }))
    .sort(compareRows((row) => row.events));
}

function goalMatcher(goal: Goal): (row: EventRow) => boolean {
  if (goal.kind === 'event') return (row) => row.name === goal.eventName;
  const pattern = pathPatternRegExp(goal.pathPattern);
  return (row) => row.name === PAGEVIEW && pattern.test(row.pathname);
}

function goalTruth(counted: readonly EventRow[], goal: Goal, allVisitors: number): GoalTruth {
  const matches = goalMatcher(goal);
  const visitors = new Set<string>();
  let events = 0;
  for (const row of counted) {
    if (!matches(row)) continue;
    visitors.add(row.visitor_id);
    events++;
  }
  return {
    name: goal.name,
    visitors: visitors.size,
    events,
    conversionRate: allVisitors === 0 ? 0 : (visitors.size / allVisitors) * 100,
  };
}

function funnelTruth(visits: readonly Visit[], funnel: TruthSpec['funnel']): FunnelTruth {
  const matchers = funnel.steps.map((step) =>
    goalMatcher(
      step.kind === 'page'
        ? { kind: 'page', name: '', pathPattern: step.pathPattern }
        : { kind: 'event', name: '', eventName: step.eventName },
    ),
  );
  const reached = funnel.steps.map(() => new Set<string>());
  for (const visit of visits) {
    let next = 0;
    let previousTs = Number.NEGATIVE_INFINITY;
    for (const row of visit.events) {
      const matches = matchers[next];
      if (matches === undefined) break;
      if (row.ts > previousTs && matches(row)) {
        reached[next]?.add(visit.visitorId);
        previousTs = row.ts;
        next++;
      }
    }
  }
  return {
    name: funnel.name,
    steps: funnel.steps.map((step, index) => ({ step, visitors: reached[index]?.size ?? 0 })),
  };
}

const FRACTION_DIGITS = 4;
const UNIT = 10n ** BigInt(FRACTION_DIGITS);

/** Exact sum of Decimal(18, 4) strings, done in integers of 1/10,000 so no float rounding creeps in. */
function sumRevenue(rows: readonly EventRow[]): string {
  let total = 0n;
  for (const row of rows) {
    if (row.revenue_amount === null) continue;
    const match = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(row.revenue_amount);
    if (match === null) continue;
    const units = BigInt(match[2] ?? '0') * UNIT + BigInt((match[3] ?? '').padEnd(FRACTION_DIGITS, '0'));
    total += match[1] === '-' ? -units : units;
  }
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const fraction = (magnitude % UNIT).toString().padStart(FRACTION_DIGITS, '0');
  return `${negative ? '-' : ''}${magnitude / UNIT}.${fraction}`;
}
