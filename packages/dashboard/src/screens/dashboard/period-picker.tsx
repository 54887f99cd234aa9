import { useEffect, useState } from 'react';
import { DateRangePicker } from '../../components/date-range-picker';
import { Popover } from '../../components/popover';
import {
  COMPARE_LABELS,
  COMPARE_MODES,
  type CompareMode,
  PERIOD_KEYS,
  PERIOD_LABELS,
  PERIOD_SHORTCUTS,
  type PeriodKey,
  todayIn,
} from '../../period';
import { useDashboardView, useSiteView } from './site-context';

const GROUPS: PeriodKey[][] = [
  ['day', 'yesterday'],
  ['7d', '28d', '30d', '91d'],
  ['month', 'last_month'],
  ['12mo', 'all'],
];

/**
 * The period menu (with a calendar for custom ranges) and the comparison choice; both write to the URL. Views that
 * draw no comparison (funnels) leave the comparison choice out.
 */
export function PeriodPicker({ compare = true }: { compare?: boolean }) {
  const { context } = useSiteView();
  const view = useDashboardView();
  const { state, period } = view;
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState(false);
  const today = todayIn(context.site.timezone);

  const choose = (key: PeriodKey) => {
    if (key === 'custom') {
      setCustom(true);
      setOpen(true);
      return;
    }
    view.update({ period: key, from: undefined, to: undefined });
    setOpen(false);
  };

  // Keyboard shortcuts, as in Plausible: d today, e yesterday, w 7 days, t 30 days, m month, y 12 months, a all.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], dialog')) return;
      const key = PERIOD_KEYS.find((k) => PERIOD_SHORTCUTS[k] === event.key.toLowerCase());
      if (!key) return;
      event.preventDefault();
      choose(key);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  return (
    <div className="period-controls">
      <Popover
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (!next) setCustom(false);
        }}
        buttonClassName="btn btn-secondary period-button"
        label={`Period: ${period.label}. Change period`}
        buttonContent={
          <>
            <span>{period.label}</span>
            <span aria-hidden="true" className="caret">
              ▾
            </span>
          </>
        }
        panelClassName={custom ? 'period-panel-custom' : 'period-panel'}
        align="end"
      >
        {(close) =>
          custom ? (
            <DateRangePicker
              initialFrom={period.first}
              initialTo={period.last}
              max={today}
              onApply={(from, to) => {
                view.update({ period: 'custom', from, to });
                setCustom(false);
                close();
              }}
              onCancel={() => setCustom(false)}
            />
          ) : (
            <div className="menu" role="menu" aria-label="Periods">
              {GROUPS.map((group) => (
                <div className="menu-group" key={group.join()}>
                  {group.map((key) => (
                    <button
                      key={key}
                      type="button"
                      role="menuitemradio"
                      aria-checked={state.period === key}
                      className="menu-item"
                      onClick={() => choose(key)}
                    >
                      <span>{PERIOD_LABELS[key]}</span>
                      {PERIOD_SHORTCUTS[key] ? (
                        <span className="kbd" aria-hidden="true">
                          {PERIOD_SHORTCUTS[key]?.toUpperCase()}
                        </span>
                      ) : null}
                    </button>
                  ))}
                </div>
              ))}
              <div className="menu-group">
                <button
                  type="button"
                  role="menuitemradio"
                  aria-checked={state.period === 'custom'}
                  className="menu-item"
                  onClick={() => setCustom(true)}
                >
                  <span>Custom range…</span>
                  <span className="kbd" aria-hidden="true">
                    C
                  </span>
                </button>
              </div>
            </div>
          )
        }
      </Popover>
      {compare && period.key !== 'all' ? (
        <label className="inline-select compare-select">
          <span className="visually-hidden">Compare with</span>
          <select
            value={state.compare}
            onChange={(e) => view.update({ compare: e.target.value as CompareMode })}
            aria-label="Compare with"
          >
            {COMPARE_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {mode === 'off' ? COMPARE_LABELS.off : `vs. ${COMPARE_LABELS[mode].toLowerCase()}`}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );
}
