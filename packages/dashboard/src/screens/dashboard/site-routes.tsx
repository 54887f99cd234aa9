import { useMemo, useState } from 'react';
import { ApiError, share, sharedStatsApi, statsApi } from '../../api';
import { Button, ErrorMessage, Field, Loading, useDocumentTitle } from '../../components/ui';
import { useAction } from '../../use-action';
import { invalidate, useResource } from '../../use-resource';
import { DashboardScreen } from './dashboard-screen';
import { FunnelsScreen } from './funnels-screen';
import { RealtimeScreen } from './realtime-screen';
import { SharedFrame, SiteLoader } from './site-shell';

export type SiteRoute = 'dashboard' | 'realtime' | 'funnels';

function Section({ section }: { section: SiteRoute }) {
  if (section === 'realtime') return <RealtimeScreen />;
  if (section === 'funnels') return <FunnelsScreen />;
  return <DashboardScreen />;
}

const signedInApi = statsApi();

/** A signed-in site: /example.com, /example.com/realtime, /example.com/funnels. */
export default function SiteRoutes({ domain, section }: { domain: string; section: SiteRoute }) {
  return (
    <SiteLoader api={signedInApi} siteId={domain} basePath={`/${encodeURIComponent(domain)}`}>
      <Section section={section} />
    </SiteLoader>
  );
}

/**
 * A share link or public dashboard (/share/<slug>): read-only, talks only to /api/share/<slug>/v2/…, asks for the
 * link's password when it has one (the server then sets an HttpOnly cookie scoped to this link).
 */
export function SharedSite({ slug, section }: { slug: string; section: SiteRoute }) {
  const api = useMemo(() => sharedStatsApi(slug), [slug]);
  const info = useResource(`share-info|${slug}`, (signal) => share.info(slug, signal));
  // The same key SiteLoader uses, so the probe's answer is reused rather than asked for twice.
  const context = useResource(info.data ? `${api.base}|context|${info.data.site.domain}` : null, (signal) =>
    api.siteContext(info.data!.site.domain, signal),
  );
  useDocumentTitle(
    info.data ? `${info.data.site.name || info.data.site.domain} · shared dashboard` : 'Shared dashboard',
  );

  if (info.error) {
    const missing = info.error instanceof ApiError && info.error.status === 404;
    return (
      <SharedFrame>
        <div className="card pad stack">
          <h1 tabIndex={-1} data-page-title>
            {missing ? 'This shared dashboard does not exist' : 'This shared dashboard could not be loaded'}
          </h1>
          {missing ? (
            <p>The link may be mistyped, or its owner may have removed it.</p>
          ) : (
            <ErrorMessage error={info.error} onRetry={info.reload} />
          )}
        </div>
      </SharedFrame>
    );
  }
  if (!info.data || (!context.data && !context.error))
    return (
      <SharedFrame>
        <Loading label="Loading the shared dashboard" lines={6} className="card pad" />
      </SharedFrame>
    );
  const locked = context.error instanceof ApiError && (context.error.status === 401 || context.error.status === 403);
  if (locked && info.data.passwordRequired)
    return (
      <PasswordPrompt
        slug={slug}
        name={info.data.site.name || info.data.site.domain}
        onUnlocked={() => {
          invalidate(`${api.base}|`);
          context.reload();
        }}
      />
    );
  if (context.error && !context.data)
    return (
      <SharedFrame>
        <div className="card pad">
          <ErrorMessage error={context.error} onRetry={context.reload} />
        </div>
      </SharedFrame>
    );
  return (
    <SiteLoader api={api} siteId={info.data.site.domain} basePath={`/share/${encodeURIComponent(slug)}`}>
      <Section section={section} />
    </SiteLoader>
  );
}

function PasswordPrompt({ slug, name, onUnlocked }: { slug: string; name: string; onUnlocked: () => void }) {
  const [password, setPassword] = useState('');
  const unlock = useAction(async () => {
    await share.unlock(slug, password);
    onUnlocked();
  });
  return (
    <SharedFrame>
      <form className="card pad stack narrow" onSubmit={unlock.onSubmit}>
        <h1 tabIndex={-1} data-page-title>
          {name}
        </h1>
        <p>This dashboard is protected with a password. Ask whoever sent you the link for it.</p>
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorMessage error={unlock.error} />
        <Button type="submit" variant="primary" busy={unlock.busy}>
          View dashboard
        </Button>
      </form>
    </SharedFrame>
  );
}
