import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { formatDate } from '../format';
import { addDays, addMonths, endOfMonth, startOfMonth } from '../period';
import { Button } from './ui';

/**
 * A calendar for choosing a custom range: the first click (or Enter) picks the start, the second the end. Keyboard
 * follows the ARIA date grid pattern: arrows move a day or a week, Page Up/Down a month, Home/End the week's ends.
 * Days after `max` (today on the site's clock) cannot be chosen.
 */
export function DateRangePicker({
  initialFrom,
  initialTo,
  max,
  onApply,
  onCancel,
}: {
  initialFrom?: string | undefined;
  initialTo?: string | undefined;
  max: string;
  onApply: (from: string, to: string) => void;
  onCancel: () => void;
}) {
  const [from, setFrom] = useState<string | undefined>(initialFrom);
  const [to, setTo] = useState<string | undefined>(initialTo);
  const [focused, setFocused] = useState(initialTo ?? max);
  const [month, setMonth] = useState(startOfMonth(initialTo ?? max));
  const grid = useRef<HTMLTableSectionElement>(null);
  const moved = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new month renders new buttons; focus follows once they exist
  useEffect(() => {
    if (!moved.current) return;
    grid.current?.querySelector<HTMLButtonElement>(`[data-date="${focused}"]`)?.focus();
  }, [focused, month]);

  const focus = (date: string) => {
    const clamped = date > max ? max : date;
    moved.current = true;
    setFocused(clamped);
    if (clamped < month || clamped > endOfMonth(month)) setMonth(startOfMonth(clamped));
  };

  const pick = (date: string) => {
    if (date > max) return;
    if (from === undefined || to !== undefined) {
      setFrom(date);
      setTo(undefined);
    } else if (date < from) {
      setTo(from);
      setFrom(date);
    } else {
      setTo(date);
    }
    setFocused(date);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const next = keyMove(event.key, focused);
    if (next === undefined) return;
    event.preventDefault();
    focus(next);
  };

  const first = month;
  const offset = (new Date(`${first}T00:00:00Z`).getUTCDay() + 6) % 7;
  const days: (string | undefined)[] = Array.from({ length: offset }, () => undefined);
  for (let d = first; d <= endOfMonth(month); d = addDays(d, 1)) days.push(d);
  while (days.length % 7 !== 0) days.push(undefined);
  const weeks: (string | undefined)[][] = [];
  for (let i = 0; i < days.length; i += 7) weeks.push(days.slice(i, i + 7));
  const monthTitle = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(
    new Date(`${month}T00:00:00Z`),
  );
  const weekdayNames = Array.from({ length: 7 }, (_, i) =>
    new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short' }).format(
      new Date(Date.UTC(2024, 0, 1 + i)),
    ),
  );
  const inRange = (date: string) => from !== undefined && to !== undefined && date >= from && date <= to;

  return (
    <div className="date-picker">
      <div className="date-picker-head">
        <button
          type="button"
          className="icon-btn"
          aria-label="Previous month"
          onClick={() => setMonth(addMonths(month, -1))}
        >
          ‹
        </button>
        <h3 aria-live="polite">{monthTitle}</h3>
        <button
          type="button"
          className="icon-btn"
          aria-label="Next month"
          disabled={addMonths(month, 1) > max}
          onClick={() => setMonth(addMonths(month, 1))}
        >
          ›
        </button>
      </div>
      <table className="date-grid" aria-label={monthTitle}>
        <thead>
          <tr>
            {weekdayNames.map((name) => (
              <th scope="col" key={name} className="date-weekday">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={grid} onKeyDown={onKeyDown}>
          {weeks.map((week) => (
            <tr key={week.find(Boolean)}>
              {week.map((date, i) =>
                date === undefined ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: empty cells before and after the month
                  <td key={`empty-${i}`} />
                ) : (
                  <td key={date}>
                    <button
                      type="button"
                      data-date={date}
                      tabIndex={date === focused ? 0 : -1}
                      disabled={date > max}
                      aria-pressed={date === from || date === to}
                      className={[
                        'date-day',
                        date === from || date === to ? 'is-endpoint' : '',
                        inRange(date) ? 'is-in-range' : '',
                        date === max ? 'is-today' : '',
                      ].join(' ')}
                      aria-label={formatDate(date)}
                      onClick={() => pick(date)}
                      onFocus={() => setFocused(date)}
                    >
                      {Number(date.slice(8))}
                    </button>
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="date-picker-status" aria-live="polite">
        {from === undefined
          ? 'Choose the first day.'
          : to === undefined
            ? `From ${formatDate(from)}: now choose the last day.`
            : `${formatDate(from)} – ${formatDate(to)}`}
      </p>
      <div className="form-actions">
        <Button
          variant="primary"
          small
          disabled={from === undefined}
          onClick={() => from !== undefined && onApply(from, to ?? from)}
        >
          Apply
        </Button>
        <Button variant="ghost" small onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </div>
  );
}

/** Where an arrow, Page or Home/End key moves the focused day (the ARIA date grid pattern). */
function keyMove(key: string, day: string): string | undefined {
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  switch (key) {
    case 'ArrowLeft':
      return addDays(day, -1);
    case 'ArrowRight':
      return addDays(day, 1);
    case 'ArrowUp':
      return addDays(day, -7);
    case 'ArrowDown':
      return addDays(day, 7);
    case 'PageUp':
      return addMonths(day, -1);
    case 'PageDown':
      return addMonths(day, 1);
    case 'Home':
      return addDays(day, -weekday);
    case 'End':
      return addDays(day, 6 - weekday);
    default:
      return undefined;
  }
}
