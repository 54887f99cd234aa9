import { describe, expect, it } from 'vitest';
import type { StoredGoal } from '../domain/account.js';
import { checkFunnel, checkGoal, sameGoal } from './goal-rules.js';

const goal = (id: number, displayName: string, extra: Partial<StoredGoal> = {}): StoredGoal => ({
  id,
  siteId: 1,
  kind: 'event',
  pathPattern: null,
  eventName: displayName,
  displayName,
  createdAt: new Date(0),
  ...extra,
});

describe('checkGoal', () => {
  it('names a pageview goal after its path unless a name is given', () => {
    expect(checkGoal({ kind: 'pageview', pathPattern: ' /signup/** ' })).toEqual({
      ok: true,
      value: { kind: 'pageview', pathPattern: '/signup/**', eventName: null, displayName: 'Visit /signup/**' },
    });
    expect(checkGoal({ kind: 'pageview', pathPattern: '/thanks', displayName: ' Purchase ' })).toMatchObject({
      ok: true,
      value: { displayName: 'Purchase' },
    });
  });

  it('names an event goal after its event unless a name is given', () => {
    expect(checkGoal({ kind: 'event', eventName: 'Signup', displayName: '' })).toEqual({
      ok: true,
      value: { kind: 'event', pathPattern: null, eventName: 'Signup', displayName: 'Signup' },
    });
  });

  it('refuses what a goal cannot be, saying what to fix', () => {
    const cases: Array<[Parameters<typeof checkGoal>[0], RegExp]> = [
      [{ kind: 'click' }, /kind must be "pageview" or "event"/],
      [{ kind: 'pageview' }, /needs a pathPattern/],
      [{ kind: 'pageview', pathPattern: 'pricing' }, /must start with "\/"/],
      [{ kind: 'pageview', pathPattern: `/${'a'.repeat(2000)}` }, /at most 2000/],
      [{ kind: 'pageview', pathPattern: '/a b' }, /spaces/],
      [{ kind: 'pageview', pathPattern: '/a', eventName: 'x' }, /not an eventName/],
      [{ kind: 'event' }, /needs the eventName/],
      [{ kind: 'event', eventName: 'x'.repeat(121) }, /at most 120/],
      [{ kind: 'event', eventName: 'pageview' }, /not a custom event/],
      [{ kind: 'event', eventName: 'a\u0000b' }, /control characters/],
      [{ kind: 'event', eventName: 'x', pathPattern: '/' }, /not a pathPattern/],
      [{ kind: 'event', eventName: 'x', displayName: 'y'.repeat(201) }, /displayName must be at most 200/],
      [{ kind: 'event', eventName: 'x', displayName: 7 }, /displayName must be a string/],
    ];
    for (const [input, message] of cases) {
      const result = checkGoal(input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (!result.ok) expect(result.error).toMatch(message);
    }
  });
});

describe('sameGoal', () => {
  it('finds a goal that already counts the same path or event', () => {
    const goals = [goal(1, 'Signup'), goal(2, 'Visit /a', { kind: 'pageview', pathPattern: '/a', eventName: null })];
    expect(sameGoal(goals, { kind: 'event', eventName: 'Signup', pathPattern: null, displayName: 'Other' })?.id).toBe(
      1,
    );
    expect(sameGoal(goals, { kind: 'pageview', pathPattern: '/a', eventName: null, displayName: 'A' })?.id).toBe(2);
    expect(sameGoal(goals, { kind: 'pageview', pathPattern: '/b', eventName: null, displayName: 'B' })).toBeUndefined();
  });
});

describe('checkFunnel', () => {
  const goals = [goal(1, 'Visit /pricing'), goal(2, 'Signup'), goal(3, 'Purchase')];

  it('accepts 2 to 8 distinct steps naming goals of the site', () => {
    expect(checkFunnel({ name: ' Checkout ', steps: ['Visit /pricing', ' Signup ', 'Purchase'] }, goals)).toEqual({
      ok: true,
      value: { name: 'Checkout', steps: ['Visit /pricing', 'Signup', 'Purchase'] },
    });
  });

  it('names the step that is not a goal', () => {
    const result = checkFunnel({ name: 'F', steps: ['Signup', 'Upgrade'] }, goals);
    expect(result).toEqual({
      ok: false,
      error: 'Step 2 ("Upgrade") is not a goal of this site; create the goal first',
    });
  });

  it('refuses too few, too many and repeated steps, and a missing name', () => {
    const many = Array.from({ length: 9 }, (_, i) => `G${i}`);
    const all = [...goals, ...many.map((name, i) => goal(10 + i, name))];
    expect(checkFunnel({ name: 'F', steps: ['Signup'] }, goals)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/2 to 8 steps/),
    });
    expect(checkFunnel({ name: 'F', steps: many }, all)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/2 to 8 steps/),
    });
    expect(checkFunnel({ name: 'F', steps: 'Signup,Purchase' }, goals)).toMatchObject({ ok: false });
    expect(checkFunnel({ name: 'F', steps: ['Signup', 'Signup'] }, goals)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/repeats/),
    });
    expect(checkFunnel({ name: ' ', steps: ['Signup', 'Purchase'] }, goals)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/name/),
    });
    expect(checkFunnel({ name: 'F', steps: ['Signup', 3] }, goals)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Step 2 must be/),
    });
  });
});
