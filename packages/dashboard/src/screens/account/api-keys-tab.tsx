import { useState } from 'react';
import { type ApiKeyScope, account } from '../../api';
import { RevealedKey } from '../../components/revealed-key';
import { SettingsSection } from '../../components/settings-layout';
import { Badge, Button, ConfirmButton, ErrorMessage, Field, ResourceView } from '../../components/ui';
import { formatDateTime, formatRelative } from '../../format';
import { useAction } from '../../use-action';
import { useResource } from '../../use-resource';

const SCOPES: { scope: ApiKeyScope; label: string }[] = [
  { scope: 'stats:read', label: 'Read stats (Stats API v2, exports)' },
  { scope: 'sites:read', label: 'Read sites and their settings' },
  { scope: 'sites:write', label: 'Change sites and their settings' },
];

/** Personal API keys (Bearer) for scripts and integrations; a new key is shown once. */
export function ApiKeysTab() {
  const list = useResource('account-api-keys', (signal) => account.apiKeys(signal));
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['stats:read']);
  const [expiresInDays, setExpiresInDays] = useState('');
  const [revealed, setRevealed] = useState<{ name: string; token: string } | undefined>();
  const create = useAction(async () => {
    if (scopes.length === 0) throw new Error('Choose at least one permission.');
    const { key, token } = await account.createApiKey({
      name: name.trim(),
      scopes,
      ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}),
    });
    setRevealed({ name: key.name, token });
    setName('');
    setExpiresInDays('');
    list.reload();
  });
  const remove = useAction(async (id: number) => {
    await account.deleteApiKey(id);
    list.reload();
  });
  const origin = window.location.origin;

  return (
    <>
      {revealed ? (
        <RevealedKey
          name={revealed.name}
          token={revealed.token}
          label="API key"
          warning="Copy this key now: it is shown only once."
          example={`curl ${origin}/api/v2/query \\\n  -H 'Authorization: Bearer ${revealed.token}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"site_id":"example.com","metrics":["visitors"],"date_range":"7d"}'`}
          onStored={() => setRevealed(undefined)}
        />
      ) : null}
      <SettingsSection
        title="API keys"
        description="Keys act as you, limited to their permissions, on the stats and sites APIs; never on account settings."
      >
        <ResourceView
          resource={list}
          loading="Loading API keys"
          isEmpty={(data) => data.keys.length === 0}
          empty={<p className="muted">No API keys.</p>}
        >
          {(data) => (
            <ul className="plain-list">
              {data.keys.map((key) => (
                <li key={key.id} className="list-row">
                  <div>
                    <strong>{key.name}</strong> <code className="small">{key.prefix}…</code>
                    <div className="badges">
                      {key.scopes.map((scope) => (
                        <Badge key={scope}>{scope}</Badge>
                      ))}
                    </div>
                    <div className="muted small">
                      created {formatDateTime(key.createdAt)} · last used {formatRelative(key.lastUsedAt)}
                      {key.expiresAt ? ` · expires ${formatDateTime(key.expiresAt)}` : ''}
                    </div>
                  </div>
                  <ConfirmButton onConfirm={() => remove.run(key.id)}>Delete</ConfirmButton>
                </li>
              ))}
            </ul>
          )}
        </ResourceView>
        <ErrorMessage error={remove.error} />
      </SettingsSection>
      <SettingsSection title="Create an API key">
        <form className="stack" onSubmit={create.onSubmit}>
          <Field
            label="Name"
            required
            maxLength={100}
            placeholder="Weekly report script"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <fieldset className="stack small-gap">
            <legend>Permissions</legend>
            {SCOPES.map((option) => (
              <label key={option.scope} className="checkbox">
                <input
                  type="checkbox"
                  checked={scopes.includes(option.scope)}
                  onChange={(e) =>
                    setScopes(e.target.checked ? [...scopes, option.scope] : scopes.filter((s) => s !== option.scope))
                  }
                />{' '}
                {option.label} <code className="small">{option.scope}</code>
              </label>
            ))}
          </fieldset>
          <Field
            label="Expires after (days, optional)"
            type="number"
            min={1}
            max={3650}
            inputMode="numeric"
            value={expiresInDays}
            onChange={(e) => setExpiresInDays(e.target.value)}
          />
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
