import { useState } from 'react';
import { type ShieldKind, sites } from '../../api';
import { SettingsSection } from '../../components/settings-layout';
import { Button, ConfirmButton, ErrorMessage, Field, ResourceView, SelectField } from '../../components/ui';
import { countryName, formatDateTime } from '../../format';
import { useAction } from '../../use-action';
import { useResource } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

const KINDS: { kind: ShieldKind; label: string; placeholder: string; hint: string }[] = [
  {
    kind: 'ip',
    label: 'IP address or range',
    placeholder: '203.0.113.7 or 203.0.113.0/24',
    hint: 'Your office or your own address. IPv4 and IPv6, single addresses or CIDR ranges.',
  },
  { kind: 'country', label: 'Country', placeholder: 'DE', hint: 'A two-letter ISO country code.' },
  {
    kind: 'path',
    label: 'Page path',
    placeholder: '/admin/**',
    hint: 'Pages not to count. * matches within a path segment, ** matches anything.',
  },
  {
    kind: 'hostname',
    label: 'Hostname',
    placeholder: 'staging.example.com',
    hint: 'Events sent from this host (a staging copy of the site) are not counted.',
  },
];

/** Shields drop matching events at ingestion: they are never stored, so they never show up anywhere. */
export function ShieldsTab({ site }: SiteTabProps) {
  const list = useResource(`shields:${site.id}`, (signal) => sites.shields(site.id, signal));
  const [kind, setKind] = useState<ShieldKind>('ip');
  const [value, setValue] = useState('');
  const [description, setDescription] = useState('');
  const spec = KINDS.find((k) => k.kind === kind) ?? KINDS[0]!;
  const add = useAction(async () => {
    await sites.createShield(site.id, {
      kind,
      value: kind === 'country' ? value.trim().toUpperCase() : value.trim(),
      ...(description.trim() ? { description: description.trim() } : {}),
    });
    setValue('');
    setDescription('');
    list.reload();
  });
  const remove = useAction(async (id: number) => {
    await sites.deleteShield(site.id, id);
    list.reload();
  });

  return (
    <>
      <SettingsSection
        title="Shields"
        description="Traffic that matches a shield is dropped when it arrives and never counted. Existing data is not changed."
      >
        <ResourceView
          resource={list}
          loading="Loading shields"
          isEmpty={(data) => data.shields.length === 0}
          empty={<p className="muted">No shields: all traffic is counted.</p>}
        >
          {(data) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Blocks</th>
                    <th scope="col">Note</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.shields.map((shield) => (
                    <tr key={shield.id}>
                      <th scope="row">
                        <span className="muted">
                          {KINDS.find((k) => k.kind === shield.kind)?.label ?? shield.kind}:{' '}
                        </span>
                        <code>{shield.value}</code>
                        {shield.kind === 'country' ? ` (${countryName(shield.value)})` : ''}
                      </th>
                      <td>{shield.description ?? ''}</td>
                      <td>{formatDateTime(shield.createdAt, site.timezone)}</td>
                      <td className="actions">
                        <ConfirmButton onConfirm={() => remove.run(shield.id)}>Remove</ConfirmButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ResourceView>
        <ErrorMessage error={remove.error} />
      </SettingsSection>
      <SettingsSection title="Add a shield">
        <form className="stack" onSubmit={add.onSubmit}>
          <SelectField label="Block by" value={kind} onChange={(e) => setKind(e.target.value as ShieldKind)}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </SelectField>
          <Field
            label={spec.label}
            required
            maxLength={2000}
            placeholder={spec.placeholder}
            hint={spec.hint}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
          <Field
            label="Note (optional)"
            maxLength={200}
            placeholder="Office network"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <ErrorMessage error={add.error} />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={add.busy}>
              Add shield
            </Button>
          </div>
        </form>
      </SettingsSection>
    </>
  );
}
