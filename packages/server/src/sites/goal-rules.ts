import type { StoredFunnel, StoredGoal } from '../domain/account.js';
import { LIMITS } from '../domain/event.js';
import { MAX_GOALS } from '../stats/compile.js';

/** A site may have as many goals as one stats query can carry. */
export const MAX_GOALS_PER_SITE = MAX_GOALS;
export const MAX_FUNNELS_PER_SITE = 100;
export const FUNNEL_MIN_STEPS = 2;
export const FUNNEL_MAX_STEPS = 8;
export const PATH_PATTERN_MAX = LIMITS.pathname;
export const EVENT_NAME_MAX = LIMITS.eventName;
/** Typed display names; the default one of a pageview goal (`Visit <path>`) may be longer. */
export const DISPLAY_NAME_MAX = 200;
export const FUNNEL_NAME_MAX = 120;

/** Events that are not custom events: a goal on them would count every page view or engagement ping. */
const RESERVED_EVENT_NAMES = new Set(['pageview', 'engagement']);
const CONTROL_OR_SPACE = /[\s\p{Cc}]/u;
const CONTROL = /\p{Cc}/u;

export type GoalDraft = Pick<StoredGoal, 'kind' | 'pathPattern' | 'eventName' | 'displayName'>;
export type FunnelDraft = Pick<StoredFunnel, 'name' | 'steps'>;
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export interface GoalInput {
  kind?: unknown;
  pathPattern?: unknown;
  eventName?: unknown;
  displayName?: unknown;
}

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/**
 * A goal as the API receives it, checked and normalised: a pageview goal matches a path pattern (`*` is one path
 * segment's characters, `**` anything), an event goal a custom event name. The display name, which stats filters and
 * funnels refer to, defaults to `Visit <path>` or the event name.
 */
export function checkGoal(input: GoalInput): Checked<GoalDraft> {
  const displayName = checkDisplayName(input.displayName);
  if (!displayName.ok) return displayName;
  if (input.kind === 'pageview') {
    if (input.eventName !== undefined && input.eventName !== null) {
      return fail('A pageview goal has a pathPattern, not an eventName');
    }
    if (typeof input.pathPattern !== 'string' || input.pathPattern.trim() === '') {
      return fail('A pageview goal needs a pathPattern such as /pricing or /blog/**');
    }
    const pathPattern = input.pathPattern.trim();
    if (!pathPattern.startsWith('/')) return fail('The pathPattern must start with "/", e.g. /signup/thanks');
    if (pathPattern.length > PATH_PATTERN_MAX)
      return fail(`The pathPattern must be at most ${PATH_PATTERN_MAX} characters`);
    if (CONTROL_OR_SPACE.test(pathPattern))
      return fail('The pathPattern must not contain spaces or control characters');
    return {
      ok: true,
      value: {
        kind: 'pageview',
        pathPattern,
        eventName: null,
        displayName: displayName.value ?? `Visit ${pathPattern}`,
      },
    };
  }
  if (input.kind === 'event') {
    if (input.pathPattern !== undefined && input.pathPattern !== null) {
      return fail('An event goal has an eventName, not a pathPattern');
    }
    if (typeof input.eventName !== 'string' || input.eventName.trim() === '') {
      return fail('An event goal needs the eventName of a custom event, e.g. Signup');
    }
    const eventName = input.eventName.trim();
    if (eventName.length > EVENT_NAME_MAX) return fail(`The eventName must be at most ${EVENT_NAME_MAX} characters`);
    if (CONTROL.test(eventName)) return fail('The eventName must not contain control characters');
    if (RESERVED_EVENT_NAMES.has(eventName)) {
      return fail(`"${eventName}" is not a custom event; use a pageview goal with a pathPattern to count page visits`);
    }
    return {
      ok: true,
      value: { kind: 'event', pathPattern: null, eventName, displayName: displayName.value ?? eventName },
    };
  }
  return fail('The kind must be "pageview" or "event"');
}

function checkDisplayName(value: unknown): Checked<string | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (typeof value !== 'string') return fail('The displayName must be a string');
  const name = value.trim();
  if (name === '') return { ok: true, value: undefined };
  if (name.length > DISPLAY_NAME_MAX) return fail(`The displayName must be at most ${DISPLAY_NAME_MAX} characters`);
  if (CONTROL.test(name)) return fail('The displayName must not contain control characters');
  return { ok: true, value: name };
}

/** The goal among `existing` that counts the same thing as `draft`, if any (a second one would only double-count). */
export function sameGoal(existing: readonly StoredGoal[], draft: GoalDraft): StoredGoal | undefined {
  return existing.find(
    (goal) =>
      goal.kind === draft.kind &&
      (draft.kind === 'pageview' ? goal.pathPattern === draft.pathPattern : goal.eventName === draft.eventName),
  );
}

/**
 * A funnel as the API receives it, checked against the site's goals: a name, and 2 to 8 distinct steps, each the
 * display name of one of the site's goals.
 */
export function checkFunnel(
  input: { name?: unknown; steps?: unknown },
  goals: readonly StoredGoal[],
): Checked<FunnelDraft> {
  if (typeof input.name !== 'string' || input.name.trim() === '') return fail('Give the funnel a name');
  const name = input.name.trim();
  if (name.length > FUNNEL_NAME_MAX) return fail(`The funnel name must be at most ${FUNNEL_NAME_MAX} characters`);
  if (CONTROL.test(name)) return fail('The funnel name must not contain control characters');
  if (!Array.isArray(input.steps) || input.steps.length < FUNNEL_MIN_STEPS || input.steps.length > FUNNEL_MAX_STEPS) {
    return fail(`A funnel has ${FUNNEL_MIN_STEPS} to ${FUNNEL_MAX_STEPS} steps: send steps as a list of goal names`);
  }
  const known = new Set(goals.map((goal) => goal.displayName));
  const steps: string[] = [];
  for (const [index, raw] of input.steps.entries()) {
    if (typeof raw !== 'string' || raw.trim() === '') return fail(`Step ${index + 1} must be a goal name`);
    const step = raw.trim();
    if (!known.has(step)) {
      return fail(
        `Step ${index + 1} (${JSON.stringify(step.slice(0, 200))}) is not a goal of this site; create the goal first`,
      );
    }
    if (steps.includes(step))
      return fail(`Step ${index + 1} repeats ${JSON.stringify(step)}; each goal can be one step`);
    steps.push(step);
  }
  return { ok: true, value: { name, steps } };
}
