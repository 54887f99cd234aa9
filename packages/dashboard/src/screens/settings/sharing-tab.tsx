import { useState } from 'react';
import { type ShareLink, sites } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import {
  Alert,
  Badge,
  Button,
  CodeBlock,
  ConfirmButton,
  CopyButton,
  ErrorMessage,
  Field,
  ResourceView,
} from '../../components/ui';
import { formatDateTime } from '../../format';
import { useAction } from '../../use-action';
import { useResource } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

/** A public dashboard for everyone, and shared links (optionally with a password) for chosen people. */
export function SharingTab({ site, onSiteChanged }: SiteTabProps) {
  const shares = useResource(`shares:${site.id}`, (signal) => sites.shares(site.id, signal));
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<ShareLink | undefined>();
  const publicUrl = `${window.location.origin}/share/${encodeURIComponent(site.domain)}`;

  const togglePublic = useAction(async () => {
    onSiteChanged(await sites.update(site.id, { isPublic: !site.isPublic }));
  });
  const create = useAction(async () => {
    const share = await sites.createShare(site.id, {
      name: name.trim(),
      ...(password ? { password } : {}),
    });
    setCreated(share);
    setName('');
    setPassword('');
    shares.reload();
  });
  const remove = useAction(async (id: number) => {
    await sites.deleteShare(site.id, id);
    if (created?.id === id) setCreated(undefined);
    shares.reload();
  });

  return (
    <>
      <SettingsSection
        title="Public dashboard"
        description="Anyone with the address can see the dashboard, read-only, without an account. Turn it off at any time."
      >
        <div className="list-row">
          <div>
            <strong>{site.isPublic ? 'Public' : 'Private'}</strong>
            <div className="muted small">
              {site.isPublic ? 'The dashboard is visible to anyone with its address.' : 'Only members see it.'}
            </div>
          </div>
          <Button
            variant={site.isPublic ? 'secondary' : 'primary'}
            busy={togglePublic.busy}
            onClick={() => void togglePublic.run()}
            aria-pressed={site.isPublic}
          >
            {site.isPublic ? 'Make private' : 'Make public'}
          </Button>
        </div>
        {site.isPublic ? (
          <>
            <div className="copy-row">
              <a href={publicUrl} target="_blank" rel="noopener noreferrer">
                {publicUrl}
              </a>
              <CopyButton text={publicUrl} />
            </div>
            <p className="muted small">Embed it in another page:</p>
            <CodeBlock label="Embed code" code={embedCode(publicUrl, site.domain)} />
          </>
        ) : null}
        <ErrorMessage error={togglePublic.error} />
      </SettingsSection>

      <SettingsSection
        title="Shared links"
        description="A secret link shows the dashboard to whoever has it; add a password for an extra lock. Delete a link to end access."
      >
        {created ? (
          <Alert tone="success">
            Link “{created.name}” created: <code>{created.url}</code> <CopyButton text={created.url} />
          </Alert>
        ) : null}
        <ResourceView
          resource={shares}
          loading="Loading shared links"
          isEmpty={(data) => data.shares.length === 0}
          empty={<p className="muted">No shared links.</p>}
        >
          {(data) => (
            <ul className="plain-list">
              {data.shares.map((share) => (
                <li key={share.id} className="list-row">
                  <div className="list-row-main">
                    <strong>{share.name}</strong> {share.hasPassword ? <Badge>password</Badge> : null}
                    <div className="copy-row">
                      <code className="small break">{share.url}</code>
                      <CopyButton text={share.url} />
                    </div>
                    <div className="muted small">created {formatDateTime(share.createdAt, site.timezone)}</div>
                  </div>
                  <ConfirmButton onConfirm={() => remove.run(share.id)}>Delete</ConfirmButton>
                </li>
              ))}
            </ul>
          )}
        </ResourceView>
        <ErrorMessage error={remove.error} />
        <form className="stack" onSubmit={create.onSubmit}>
          <h3>New shared link</h3>
          <Field
            label="Name"
            required
            maxLength={100}
            placeholder="Marketing agency"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <Field
            label="Password (optional)"
            type="password"
            autoComplete="new-password"
            maxLength={128}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <ErrorMessage error={create.error} />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={create.busy}>
              Create link
            </Button>
          </div>
        </form>
      </SettingsSection>
    </>
  );
}

function embedCode(url: string, domain: string): string {
  const title = `Analytics of ${domain}`.replace(/"/g, '&quot;');
  return `<iframe src="${url}" title="${title}" loading="lazy" style="width:100%;height:1600px;border:0"></iframe>`;
}
