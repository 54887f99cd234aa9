import { useEffect, useState } from 'react';
import { type AuditEntry, account } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import { Button, ErrorMessage, Loading } from '../../components/ui';
import { countryName, flagEmoji, formatDateTime } from '../../format';
import { useAction } from '../../use-action';

const PAGE_SIZE = 50;

/** Sign-ins, failures and security changes on this account, newest first, 50 at a time. */
export function AuditTab() {
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [done, setDone] = useState(false);
  const load = useAction(async (before?: string) => {
    const page = await account.audit(before);
    setEntries((current) => [...(before ? (current ?? []) : []), ...page.entries]);
    setDone(page.entries.length < PAGE_SIZE);
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once, on mount
  useEffect(() => {
    void load.run();
  }, []);

  return (
    <SettingsSection
      title="Security log"
      description="Kept for 90 days. Something you do not recognise? Change your password and end other sessions."
    >
      {entries === undefined && !load.error ? <Loading label="Loading the security log" lines={5} /> : null}
      {entries && entries.length === 0 ? <p className="muted">Nothing recorded yet.</p> : null}
      {entries && entries.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">{formatDateTime(entry.createdAt)}</td>
                  <th scope="row">
                    {describeAction(entry.action)}
                    {detailText(entry.details) ? <div className="muted small">{detailText(entry.details)}</div> : null}
                  </th>
                  <td>
                    <div>{entry.ip ?? '—'}</div>
                    <div className="muted small">
                      {entry.country ? `${flagEmoji(entry.country)} ${countryName(entry.country)} · ` : ''}
                      {[entry.browser, entry.os].filter(Boolean).join(' on ')}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <ErrorMessage error={load.error} onRetry={() => void load.run(entries?.at(-1)?.createdAt)} />
      {entries && entries.length > 0 && !done ? (
        <div>
          <Button busy={load.busy} onClick={() => void load.run(entries.at(-1)?.createdAt)}>
            Older entries
          </Button>
        </div>
      ) : null}
    </SettingsSection>
  );
}

/** "login.failed" → "Login failed". */
export function describeAction(action: string): string {
  const text = action.replace(/[._:-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Details as short text (never markup): scalar fields as "key: value". */
function detailText(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details).slice(0, 200);
  return Object.entries(details as Record<string, unknown>)
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ')
    .slice(0, 300);
}
