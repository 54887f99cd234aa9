import { useState } from 'react';
import { sites, statsApi } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import { Alert, Button, ErrorMessage, Field } from '../../components/ui';
import { navigate } from '../../router';
import { useAction } from '../../use-action';
import { invalidate } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

/** Export everything, hand the site over, or delete it with all its events. */
export function DangerTab({ site, onSiteChanged }: SiteTabProps) {
  const [transferTo, setTransferTo] = useState('');
  const [transferred, setTransferred] = useState<string | undefined>();
  const [confirmDomain, setConfirmDomain] = useState('');
  const isOwner = site.role === 'owner';
  const transfer = useAction(async () => {
    await sites.transfer(site.id, transferTo.trim());
    setTransferred(transferTo.trim());
    setTransferTo('');
    invalidate('');
    onSiteChanged(site);
  });
  const remove = useAction(async () => {
    if (confirmDomain.trim() !== site.domain) throw new Error(`Type ${site.domain} to confirm.`);
    await sites.remove(site.id);
    invalidate('');
    navigate('/', { replace: true });
  });

  return (
    <>
      <SettingsSection
        title="Export all data"
        description="Every report of the last 12 months as CSV files in one zip: visitors by day, pages, sources, UTM, countries, devices, events and goals."
      >
        <div>
          <a className="btn btn-secondary" href={statsApi().siteExportUrl(String(site.id), '12mo')} download>
            Download zip
          </a>
        </div>
      </SettingsSection>
      <SettingsSection
        title="Transfer ownership"
        description="The person must already be a member. They become the owner; you stay on as an admin."
        danger
      >
        {isOwner ? (
          <form className="stack" onSubmit={transfer.onSubmit}>
            <Field
              label="New owner's email"
              type="email"
              required
              value={transferTo}
              onChange={(e) => setTransferTo(e.target.value)}
            />
            <ErrorMessage error={transfer.error} />
            {transferred ? (
              <Alert tone="success">
                {transferred} now owns {site.domain}.
              </Alert>
            ) : null}
            <div className="form-actions">
              <Button type="submit" variant="danger" busy={transfer.busy}>
                Transfer ownership
              </Button>
            </div>
          </form>
        ) : (
          <p>Only the owner can transfer the site.</p>
        )}
      </SettingsSection>
      <SettingsSection
        title="Delete this site"
        description="Deletes the site, its settings and every event ever recorded for it. This cannot be undone."
        danger
      >
        {isOwner ? (
          <form className="stack" onSubmit={remove.onSubmit}>
            <Field
              label={`Type ${site.domain} to confirm`}
              required
              autoComplete="off"
              spellCheck={false}
              value={confirmDomain}
              onChange={(e) => setConfirmDomain(e.target.value)}
            />
            <ErrorMessage error={remove.error} />
            <div className="form-actions">
              <Button type="submit" variant="danger" busy={remove.busy} disabled={confirmDomain.trim() !== site.domain}>
                Delete site and all its data
              </Button>
            </div>
          </form>
        ) : (
          <p>Only the owner can delete the site.</p>
        )}
      </SettingsSection>
    </>
  );
}
