import { useState } from 'react';
import { type SiteSummary, sites } from '../../api';
import { AppPage } from '../../components/app-header';
import { SnippetPanel } from '../../components/snippet-panel';
import { browserTimezone, TimezoneSelect } from '../../components/timezone-select';
import { Alert, Button, ErrorMessage, Field, PageTitle, useDocumentTitle } from '../../components/ui';
import { Link, navigate } from '../../router';
import { useAction } from '../../use-action';
import { invalidate } from '../../use-resource';

/** What people paste ("https://www.example.com/blog") reduced to the host the API wants. */
export function normaliseDomain(input: string): string {
  let text = input.trim().toLowerCase();
  text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  text = text.split(/[/?#]/)[0] ?? '';
  return text.replace(/:\d+$/, '').replace(/\.$/, '');
}

/** Add a site, then the snippet to paste and a live check that the first event arrived. */
export function NewSiteScreen() {
  useDocumentTitle('Add a site');
  const [domain, setDomain] = useState('');
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(browserTimezone);
  const [site, setSite] = useState<SiteSummary | undefined>();
  const [installed, setInstalled] = useState(false);
  const create = useAction(async () => {
    const created = await sites.create({
      domain: normaliseDomain(domain),
      timezone,
      ...(name.trim() ? { name: name.trim() } : {}),
    });
    invalidate('sites');
    setSite(created);
  });

  if (site) {
    const dashboard = `/${encodeURIComponent(site.domain)}`;
    return (
      <AppPage>
        <PageTitle>Install Sightline on {site.domain}</PageTitle>
        <div className="card pad stack">
          <SnippetPanel siteId={site.id} timezone={site.timezone} onInstalled={() => setInstalled(true)} />
          <div className="form-actions">
            <Button variant={installed ? 'primary' : 'secondary'} onClick={() => navigate(dashboard)}>
              {installed ? 'Go to the dashboard' : 'Skip for now and open the dashboard'}
            </Button>
          </div>
        </div>
      </AppPage>
    );
  }

  const cleaned = normaliseDomain(domain);
  return (
    <AppPage>
      <PageTitle>Add a site</PageTitle>
      <form className="card pad stack narrow" onSubmit={create.onSubmit}>
        <Field
          label="Domain"
          placeholder="example.com"
          required
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={253}
          hint={
            cleaned && cleaned !== domain.trim()
              ? `Will be added as ${cleaned}`
              : 'The host name visitors see, without https:// (subdomains count separately).'
          }
          value={domain}
          onChange={(e) => setDomain(e.target.value)}
        />
        <Field
          label="Name (optional)"
          placeholder="My blog"
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <TimezoneSelect value={timezone} onChange={setTimezone} />
        <ErrorMessage error={create.error} />
        {create.error ? null : (
          <Alert tone="info">Next you get the snippet to paste into the site, and we watch for its first visit.</Alert>
        )}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={create.busy}>
            Add site
          </Button>
          <Link to="/" className="btn btn-ghost">
            Cancel
          </Link>
        </div>
      </form>
    </AppPage>
  );
}
