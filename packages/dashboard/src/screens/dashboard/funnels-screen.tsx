import { useId } from 'react';
import { ErrorMessage, Loading } from '../../components/ui';
import { formatNumber, formatPercent } from '../../format';
import { Link, updateSearch, useLocation } from '../../router';
import { useResource } from '../../use-resource';
import { PeriodPicker } from './period-picker';
import { useDashboardView, useSiteView } from './site-context';
import { SitePage } from './site-shell';

/** A funnel's ordered steps within a visit, with how many visitors reached each and how many dropped off. */
export function FunnelsScreen() {
  const { api, siteId, context, basePath, shared } = useSiteView();
  const { period } = useDashboardView();
  const location = useLocation();
  const selectId = useId();
  const funnels = context.funnels;
  const chosen = funnels.find((f) => String(f.id) === location.search.get('funnel')) ?? funnels[0];
  const body = chosen ? { site_id: siteId, funnel_id: chosen.id, date_range: period.dateRange } : null;
  const result = useResource(body ? `${api.base}|funnel|${JSON.stringify(body)}` : null, (signal) =>
    api.funnel(body!, signal),
  );
  const canManage = !shared && (context.role === 'owner' || context.role === 'admin');

  if (!chosen) {
    return (
      <SitePage section="funnels" title="Funnels">
        <div className="card empty-state">
          <h2>No funnels yet</h2>
          <p>
            A funnel follows visitors through ordered goals within one visit (for example: pricing page, sign-up page,
            sign-up event) and shows where they drop off.
          </p>
          {canManage ? (
            <Link to={`${basePath}/settings/funnels`} className="btn btn-primary">
              Create a funnel
            </Link>
          ) : null}
        </div>
      </SitePage>
    );
  }

  const steps = result.data?.steps ?? [];
  const first = steps[0]?.visitors ?? 0;
  return (
    <SitePage section="funnels" title="Funnels">
      <div className="toolbar">
        <div className="field inline-field">
          <label htmlFor={selectId}>Funnel</label>
          <select id={selectId} value={chosen.id} onChange={(e) => updateSearch({ funnel: e.target.value })}>
            {funnels.map((funnel) => (
              <option key={funnel.id} value={funnel.id}>
                {funnel.name}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-end">
          <PeriodPicker compare={false} />
        </div>
      </div>
      <section className="card pad" aria-labelledby="funnel-title">
        <h2 id="funnel-title" className="card-title">
          {chosen.name} <span className="muted">· {period.label}</span>
        </h2>
        {result.error && !result.data ? <ErrorMessage error={result.error} onRetry={result.reload} /> : null}
        {!result.data && !result.error ? <Loading label="Loading the funnel" lines={chosen.steps.length * 2} /> : null}
        {result.data ? (
          <>
            <p className="muted">
              {first > 0
                ? `${formatPercent(steps.at(-1)?.conversionRate ?? 0)} of the visitors who started completed the funnel.`
                : 'Nobody started this funnel in this period.'}
            </p>
            <ol className="funnel">
              {steps.map((step, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a goal may be a step twice; the position is the identity
                <li key={`${step.goal}-${i}`} className="funnel-step">
                  <div className="funnel-step-head">
                    <span className="funnel-step-number" aria-hidden="true">
                      {i + 1}
                    </span>
                    <span className="funnel-step-name">{step.goal}</span>
                    <span className="funnel-step-visitors">
                      <strong>{formatNumber(step.visitors)}</strong> visitors · {formatPercent(step.conversionRate)}
                    </span>
                  </div>
                  <div className="funnel-bar" aria-hidden="true">
                    <span
                      className="funnel-bar-fill"
                      style={{ width: `${first > 0 ? Math.max(0.5, (step.visitors / first) * 100) : 0}%` }}
                    />
                  </div>
                  {i > 0 ? (
                    <p className="funnel-dropoff">
                      <span className="change change-bad">↓ {formatNumber(step.dropoff)}</span> dropped off after step{' '}
                      {i} ({formatPercent(step.dropoffPercentage)})
                    </p>
                  ) : null}
                </li>
              ))}
            </ol>
          </>
        ) : null}
      </section>
    </SitePage>
  );
}
