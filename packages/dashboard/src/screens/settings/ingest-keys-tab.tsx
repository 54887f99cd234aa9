import { useState } from 'react';
import { sites } from '../../api';
import { RevealedKey } from '../../components/revealed-key';
import { SettingsSection } from '../../components/settings-layout';
import { Badge, Button, ConfirmButton, ErrorMessage, Field, ResourceView } from '../../components/ui';
import { formatDateTime, formatNumber, formatRelative } from '../../format';
import { useAction } from '../../use-action';
import { useResource } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

/**
 * Keys for apps and servers that send events with `X-API-Key` to POST /api/v1/events. A new or regenerated key is
 * shown once, here, and kept only in this component's memory.
 */
export function IngestKeysTab({ site }: SiteTabProps) {
  const list = useResource(`ingest-keys:${site.id}`, (signal) => sites.ingestKeys(site.id, signal));
  const [name, setName] = useState('');
  const [expiresInDays, setExpiresInDays] = useState('');
  const [rateLimit, setRateLimit] = useState('');
  const [revealed, setRevealed] = useState<{ name: string; token: string } | undefined>();
  const create = useAction(async () => {
    const { key, token } = await sites.createIngestKey(site.id, {
      name: name.trim(),
      ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}),
      ...(rateLimit ? { rateLimitPerMinute: Number(rateLimit) } : {}),
    });
    setRevealed({ name: key.name, token });
    setName('');
    setExpiresInDays('');
    setRateLimit('');
    list.reload();
  });
  const regenerate = useAction(async (id: number) => {
    const { key, token } = await sites.regenerateIngestKey(site.id, id);
    setRevealed({ name: key.name, token });
    list.reload();
  });
  const revoke = useAction(async (id: number) => {
    await sites.revokeIngestKey(site.id, id);
    list.reload();
  });
  const origin = window.location.origin;

  return (
    <>
      {revealed ? (
        <RevealedKey
          name={revealed.name}
          token={revealed.token}
          label="Ingest key"
          warning="Copy this key now: it is shown only once. Store it as a secret in your app."
          exampleIntro="Send events with it:"
          example={`curl -X POST ${origin}/api/v1/events \\\n  -H 'X-API-Key: ${revealed.token}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"name":"pageview","url":"https://${site.domain}/"}'`}
          onStored={() => setRevealed(undefined)}
        />
      ) : null}
      <SettingsSection
        title="Ingest keys"
        description="For apps and servers sending events directly. Browsers use the snippet instead and need no key."
      >
        <ResourceView
          resource={list}
          loading="Loading ingest keys"
          isEmpty={(data) => data.keys.length === 0}
          empty={<p className="muted">No ingest keys.</p>}
        >
          {(data) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Used</th>
                    <th scope="col">Limits</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.keys.map((key) => (
                    <tr key={key.id}>
                      <th scope="row">
                        <div>
                          {key.name} {key.revokedAt ? <Badge tone="bad">revoked</Badge> : null}
                        </div>
                        <code className="small">{key.prefix}…</code>
                      </th>
                      <td>
                        <div>{formatNumber(key.usageCount)} events</div>
                        <div className="muted small">last {formatRelative(key.lastUsedAt)}</div>
                      </td>
                      <td>
                        <div className="small">
                          {key.rateLimitPerMinute ? `${formatNumber(key.rateLimitPerMinute)}/min` : 'default rate'}
                        </div>
                        <div className="muted small">
                          {key.expiresAt ? `expires ${formatDateTime(key.expiresAt, site.timezone)}` : 'no expiry'}
                        </div>
                      </td>
                      <td className="actions">
                        {key.revokedAt ? null : (
                          <>
                            <ConfirmButton
                              variant="secondary"
                              confirmLabel="The old key stops working: confirm"
                              onConfirm={() => regenerate.run(key.id)}
                            >
                              Regenerate
                            </ConfirmButton>
                            <ConfirmButton onConfirm={() => revoke.run(key.id)}>Revoke</ConfirmButton>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ResourceView>
        <ErrorMessage error={regenerate.error ?? revoke.error} />
      </SettingsSection>
      <SettingsSection title="Create an ingest key">
        <form className="stack" onSubmit={create.onSubmit}>
          <Field
            label="Name"
            required
            maxLength={100}
            placeholder="iOS app"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <div className="field-row">
            <Field
              label="Expires after (days, optional)"
              type="number"
              min={1}
              max={3650}
              inputMode="numeric"
              value={expiresInDays}
              onChange={(e) => setExpiresInDays(e.target.value)}
            />
            <Field
              label="Rate limit per minute (optional)"
              type="number"
              min={1}
              max={1_000_000}
              inputMode="numeric"
              value={rateLimit}
              onChange={(e) => setRateLimit(e.target.value)}
            />
          </div>
          <ErrorMessage error={create.error} />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={create.busy}>
              Create key
            </Button>
          </div>
        </form>
      </SettingsSection>
    </>
  );
}
