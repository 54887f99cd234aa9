import { createHash } from 'node:crypto';
import type { StoredFunnel, StoredGoal } from '../domain/account.js';
import type { FunnelDefinition, Goal } from './compile.js';

/**
 * The bridge between goals and funnels as the metadata store keeps them and as the stats engine reads them. A goal's
 * display name is its identity in queries: it is what `event:goal` returns and what goal filters and funnel steps
 * name (unique per site, enforced by the store).
 */

/**
 * A stored goal as the stats engine's Goal, or undefined when the row lacks the field its kind needs (the store's
 * constraints should prevent that; a broken row must not break every query of the site).
 *
 * @example toStatsGoal({ kind: 'pageview', pathPattern: '/blog/**', displayName: 'Read the blog', … })
 * // { id: 'Read the blog', kind: 'pageview', pathPattern: '/blog/**' }
 */
export function toStatsGoal(goal: StoredGoal): Goal | undefined {
  if (goal.kind === 'pageview') {
    return goal.pathPattern ? { id: goal.displayName, kind: 'pageview', pathPattern: goal.pathPattern } : undefined;
  }
  return goal.eventName ? { id: goal.displayName, kind: 'event', eventName: goal.eventName } : undefined;
}

/** Every usable goal of a site, in the store's order. */
export function toStatsGoals(goals: readonly StoredGoal[]): Goal[] {
  return goals.flatMap((goal) => {
    const mapped = toStatsGoal(goal);
    return mapped === undefined ? [] : [mapped];
  });
}

export type FunnelResolution =
  | { ok: true; definition: FunnelDefinition }
  /** Steps naming goals the site no longer has (deleted or renamed since the funnel was saved). */
  | { ok: false; missingSteps: string[] };

/** A stored funnel's steps (goal display names) resolved to the site's goals. */
export function resolveFunnel(funnel: StoredFunnel, goals: readonly Goal[]): FunnelResolution {
  const byName = new Map(goals.map((goal) => [goal.id, goal]));
  const steps: Goal[] = [];
  const missingSteps: string[] = [];
  for (const name of funnel.steps) {
    const goal = byName.get(name);
    if (goal === undefined) missingSteps.push(name);
    else steps.push(goal);
  }
  return missingSteps.length > 0 ? { ok: false, missingSteps } : { ok: true, definition: { steps } };
}

/**
 * A short digest of exactly what the engine sees of a site's goals. Part of the result cache key, so adding, deleting
 * or changing a goal can never serve numbers computed with the old set.
 */
export function goalsFingerprint(goals: readonly Goal[]): string {
  return createHash('sha256').update(JSON.stringify(goals)).digest('base64url');
}
