import { useState } from 'react';
import { sites } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import { Alert, Button, ConfirmButton, ErrorMessage, Field, ResourceView } from '../../components/ui';
import { Link } from '../../router';
import { useAction } from '../../use-action';
import { invalidate, useResource } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

const MIN_STEPS = 2;
const MAX_STEPS = 8;

/** Funnels are ordered goals within one visit; the Funnels view shows where visitors drop off. */
export function FunnelsTab({ site }: SiteTabProps) {
  const funnels = useResource(`funnels:${site.id}`, (signal) => sites.funnels(site.id, signal));
  const goals = useResource(`goals:${site.id}`, (signal) => sites.goals(site.id, signal));
  const [name, setName] = useState('');
  const [steps, setSteps] = useState<string[]>(['', '']);
  const changed = () => {
    invalidate(`funnels:${site.id}`);
    invalidate('/api/v2|');
    funnels.reload();
  };
  const add = useAction(async () => {
    const chosen = steps.filter(Boolean);
    if (chosen.length < MIN_STEPS) throw new Error(`Choose at least ${MIN_STEPS} steps.`);
    await sites.createFunnel(site.id, { name: name.trim(), steps: chosen });
    setName('');
    setSteps(['', '']);
    changed();
  });
  const remove = useAction(async (id: number) => {
    await sites.deleteFunnel(site.id, id);
    changed();
  });
  const goalNames = goals.data?.goals.map((goal) => goal.displayName) ?? [];

  return (
    <>
      <SettingsSection title="Funnels">
        <ResourceView
          resource={funnels}
          loading="Loading funnels"
          isEmpty={(data) => data.funnels.length === 0}
          empty={<p className="muted">No funnels yet.</p>}
        >
          {(data) => (
            <ul className="plain-list">
              {data.funnels.map((funnel) => (
                <li key={funnel.id} className="list-row">
                  <div>
                    <strong>{funnel.name}</strong>
                    <ol className="inline-steps" aria-label="Steps">
                      {funnel.steps.map((step, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: a goal may appear twice in a funnel
                        <li key={`${step}-${i}`}>{step}</li>
                      ))}
                    </ol>
                  </div>
                  <ConfirmButton onConfirm={() => remove.run(funnel.id)}>Delete</ConfirmButton>
                </li>
              ))}
            </ul>
          )}
        </ResourceView>
        <ErrorMessage error={remove.error} />
      </SettingsSection>
      <SettingsSection title="Create a funnel">
        {goals.data && goalNames.length < MIN_STEPS ? (
          <Alert tone="info">
            A funnel is made of goals, and this site has {goalNames.length === 0 ? 'none' : 'only one'} yet.{' '}
            <Link to={`/${encodeURIComponent(site.domain)}/settings/goals`}>Add goals first</Link>.
          </Alert>
        ) : (
          <form className="stack" onSubmit={add.onSubmit}>
            <Field
              label="Funnel name"
              required
              maxLength={120}
              placeholder="Sign-up"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
            <fieldset className="stack small-gap">
              <legend>Steps, in order</legend>
              {steps.map((step, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: steps are positions; their content is editable
                <div className="step-row" key={i}>
                  <label>
                    <span className="visually-hidden">Step {i + 1}</span>
                    <span aria-hidden="true" className="funnel-step-number">
                      {i + 1}
                    </span>
                    <select
                      value={step}
                      required
                      onChange={(e) => setSteps(steps.map((s, j) => (j === i ? e.target.value : s)))}
                    >
                      <option value="">Choose a goal…</option>
                      {goalNames.map((goal) => (
                        <option key={goal} value={goal}>
                          {goal}
                        </option>
                      ))}
                    </select>
                  </label>
                  {steps.length > MIN_STEPS ? (
                    <Button
                      small
                      variant="ghost"
                      aria-label={`Remove step ${i + 1}`}
                      onClick={() => setSteps(steps.filter((_, j) => j !== i))}
                    >
                      Remove
                    </Button>
                  ) : null}
                </div>
              ))}
              {steps.length < MAX_STEPS ? (
                <div>
                  <Button small onClick={() => setSteps([...steps, ''])}>
                    + Add step
                  </Button>
                </div>
              ) : null}
            </fieldset>
            <ErrorMessage error={add.error} />
            <div className="form-actions">
              <Button type="submit" variant="primary" busy={add.busy}>
                Create funnel
              </Button>
            </div>
          </form>
        )}
      </SettingsSection>
    </>
  );
}
