import { useState } from 'react';
import { type Goal, sites } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import { Button, ConfirmButton, ErrorMessage, Field, ResourceView } from '../../components/ui';
import { formatDateTime } from '../../format';
import { useAction } from '../../use-action';
import { invalidate, useResource } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

/** Goals show up in the Goals card with conversion rates and are the steps of funnels. */
export function GoalsTab({ site }: SiteTabProps) {
  const list = useResource(`goals:${site.id}`, (signal) => sites.goals(site.id, signal));
  const [kind, setKind] = useState<Goal['kind']>('pageview');
  const [pathPattern, setPathPattern] = useState('');
  const [eventName, setEventName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const changed = () => {
    invalidate(`goals:${site.id}`);
    // The dashboard's site context holds the goals too.
    invalidate('/api/v2|');
    list.reload();
  };
  const add = useAction(async () => {
    await sites.createGoal(site.id, {
      kind,
      ...(kind === 'pageview' ? { pathPattern: pathPattern.trim() } : { eventName: eventName.trim() }),
      ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
    });
    setPathPattern('');
    setEventName('');
    setDisplayName('');
    changed();
  });
  const remove = useAction(async (id: number) => {
    await sites.deleteGoal(site.id, id);
    changed();
  });

  return (
    <>
      <SettingsSection
        title="Goals"
        description="A goal counts visitors who reach a page or send a custom event; the dashboard shows conversions and rates for each."
      >
        <ResourceView
          resource={list}
          loading="Loading goals"
          isEmpty={(data) => data.goals.length === 0}
          empty={<p className="muted">No goals yet.</p>}
        >
          {(data) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Goal</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.goals.map((goal) => (
                    <tr key={goal.id}>
                      <th scope="row">{goal.displayName}</th>
                      <td>
                        {goal.kind === 'pageview' ? 'Visit to ' : 'Event '}
                        <code>{goal.kind === 'pageview' ? goal.pathPattern : goal.eventName}</code>
                      </td>
                      <td>{formatDateTime(goal.createdAt, site.timezone)}</td>
                      <td className="actions">
                        <ConfirmButton onConfirm={() => remove.run(goal.id)}>Delete</ConfirmButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ResourceView>
        <ErrorMessage error={remove.error} />
      </SettingsSection>
      <SettingsSection title="Add a goal">
        <form className="stack" onSubmit={add.onSubmit}>
          <fieldset className="radio-row">
            <legend>Goal type</legend>
            <label>
              <input type="radio" checked={kind === 'pageview'} onChange={() => setKind('pageview')} /> Page visit
            </label>
            <label>
              <input type="radio" checked={kind === 'event'} onChange={() => setKind('event')} /> Custom event
            </label>
          </fieldset>
          {kind === 'pageview' ? (
            <Field
              label="Page path"
              required
              placeholder="/signup/thank-you"
              maxLength={2000}
              hint="Starts with /. Use * for any characters within one path segment and ** for anything, e.g. /blog/**."
              value={pathPattern}
              onChange={(e) => setPathPattern(e.target.value)}
            />
          ) : (
            <Field
              label="Event name"
              required
              placeholder="Signup"
              maxLength={120}
              hint="Exactly as the site sends it, e.g. plausible('Signup') or sightline.track('Signup')."
              value={eventName}
              onChange={(e) => setEventName(e.target.value)}
            />
          )}
          <Field
            label="Display name (optional)"
            maxLength={120}
            hint="How the goal is named on the dashboard; defaults to the path or event name."
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
          />
          <ErrorMessage error={add.error} />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={add.busy}>
              Add goal
            </Button>
          </div>
        </form>
      </SettingsSection>
    </>
  );
}
