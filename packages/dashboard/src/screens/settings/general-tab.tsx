import { useState } from 'react';
import { sites } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import { SnippetPanel } from '../../components/snippet-panel';
import { TimezoneSelect } from '../../components/timezone-select';
import { Alert, Button, ErrorMessage, Field } from '../../components/ui';
import { navigate } from '../../router';
import { useAction } from '../../use-action';
import { invalidate } from '../../use-resource';
import { normaliseDomain } from '../sites/new-site';
import type { SiteTabProps } from './site-settings';

export function GeneralTab({ site, onSiteChanged }: SiteTabProps) {
  const [name, setName] = useState(site.name);
  const [domain, setDomain] = useState(site.domain);
  const [timezone, setTimezone] = useState(site.timezone);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    const cleaned = normaliseDomain(domain);
    const updated = await sites.update(site.id, {
      name: name.trim(),
      ...(cleaned !== site.domain ? { domain: cleaned } : {}),
      ...(timezone !== site.timezone ? { timezone } : {}),
    });
    // Every cached answer about this site may have changed (its domain is its site_id in queries, its zone its days).
    invalidate('');
    onSiteChanged(updated);
    setSaved(true);
    if (updated.domain !== site.domain)
      navigate(`/${encodeURIComponent(updated.domain)}/settings/general`, { replace: true });
  });
  return (
    <>
      <SettingsSection title="Site" description="How the site is named and which day boundaries its reports use.">
        <form className="stack" onSubmit={save.onSubmit}>
          <Field label="Name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          <Field
            label="Domain"
            required
            maxLength={253}
            autoCapitalize="none"
            spellCheck={false}
            hint="Changing it keeps every event counted so far; update the snippet's data-domain on the site too."
            value={domain}
            onChange={(e) => setDomain(e.target.value)}
          />
          <TimezoneSelect value={timezone} onChange={setTimezone} />
          <ErrorMessage error={save.error} />
          {saved ? <Alert tone="success">Saved.</Alert> : null}
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={save.busy}>
              Save changes
            </Button>
          </div>
        </form>
      </SettingsSection>
      <SettingsSection title="Tracking snippet">
        <SnippetPanel siteId={site.id} timezone={site.timezone} />
      </SettingsSection>
    </>
  );
}
