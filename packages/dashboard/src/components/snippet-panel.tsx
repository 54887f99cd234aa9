import { useEffect, useState } from 'react';
import { type Installation, sites } from '../api';
import { formatDateTime, formatRelative } from '../format';
import { useResource } from '../use-resource';
import { CodeBlock, ErrorMessage, Loading } from './ui';

/**
 * The tracking snippet to paste into a site, and a live check that turns green when the first event arrives
 * (GET /api/sites/:id/installation, polled every few seconds while nothing has arrived yet).
 */
export function SnippetPanel({
  siteId,
  timezone,
  onInstalled,
}: {
  siteId: number;
  timezone: string;
  onInstalled?: (installation: Installation) => void;
}) {
  const snippet = useResource(`snippet:${siteId}`, (signal) => sites.snippet(siteId, signal));
  return (
    <div className="snippet-panel stack">
      <p>
        Paste this into the <code>&lt;head&gt;</code> of every page of the site. It sets no cookies and stores nothing
        in the visitor's browser, so no consent banner is needed for it.
      </p>
      {snippet.data ? (
        <CodeBlock code={snippet.data.html} label="Tracking snippet" />
      ) : snippet.error ? (
        <ErrorMessage error={snippet.error} onRetry={snippet.reload} />
      ) : (
        <Loading label="Loading the snippet" lines={2} />
      )}
      <InstallationCheck siteId={siteId} timezone={timezone} {...(onInstalled ? { onInstalled } : {})} />
    </div>
  );
}

export function InstallationCheck({
  siteId,
  timezone,
  onInstalled,
}: {
  siteId: number;
  timezone: string;
  onInstalled?: (installation: Installation) => void;
}) {
  const [seenInstalled, setSeenInstalled] = useState(false);
  // Poll while waiting; once installed, the status no longer changes in a way worth a request every 3 s.
  const check = useResource(`installation:${siteId}`, (signal) => sites.installation(siteId, signal), {
    ...(seenInstalled ? {} : { refreshMs: 3000 }),
  });
  const installed = check.data?.installed === true;
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, when the site turns installed
  useEffect(() => {
    if (!installed || !check.data) return;
    setSeenInstalled(true);
    onInstalled?.(check.data);
  }, [installed]);

  if (check.error && !check.data) return <ErrorMessage error={check.error} onRetry={check.reload} />;
  if (!check.data) return <Loading label="Checking the installation" lines={1} />;
  return (
    <div className={`install-status ${installed ? 'install-ok' : 'install-waiting'}`} role="status" aria-live="polite">
      {installed ? (
        <>
          <span className="status-dot status-dot-ok" aria-hidden="true" />
          <span>
            Installed: the first event arrived {formatDateTime(check.data.firstEventAt, timezone)}; the latest{' '}
            {formatRelative(check.data.lastEventAt)}.
          </span>
        </>
      ) : (
        <>
          <span className="status-dot status-dot-waiting" aria-hidden="true" />
          <span>
            Waiting for the first event… Open a page of the site in your browser once the snippet is in place.
          </span>
        </>
      )}
    </div>
  );
}
