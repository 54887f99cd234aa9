import { useState } from 'react';
import { sites } from '../../api';
import { useUser } from '../../auth-context';
import { SettingsSection } from '../../components/settings-layout';
import {
  Alert,
  Badge,
  Button,
  ConfirmButton,
  ErrorMessage,
  Field,
  ResourceView,
  SelectField,
} from '../../components/ui';
import { formatDateTime, formatRelative } from '../../format';
import { navigate } from '../../router';
import { useAction } from '../../use-action';
import { invalidate, useResource } from '../../use-resource';
import type { SiteTabProps } from './site-settings';

/** Who can see the site (owner, admins, viewers), pending invitations, and inviting someone by email. */
export function MembersTab({ site }: SiteTabProps) {
  const me = useUser();
  const list = useResource(`members:${site.id}`, (signal) => sites.members(site.id, signal));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'admin' | 'viewer'>('viewer');
  const [invited, setInvited] = useState<string | undefined>();
  const invite = useAction(async () => {
    await sites.invite(site.id, { email: email.trim(), role });
    setInvited(email.trim());
    setEmail('');
    list.reload();
  });
  const changeRole = useAction(async (userId: number, next: 'admin' | 'viewer') => {
    await sites.setMemberRole(site.id, userId, next);
    list.reload();
  });
  const removeMember = useAction(async (userId: number) => {
    await sites.removeMember(site.id, userId);
    if (userId === me.id) {
      invalidate('');
      navigate('/', { replace: true });
      return;
    }
    list.reload();
  });
  const revoke = useAction(async (id: number) => {
    await sites.revokeInvitation(site.id, id);
    list.reload();
  });
  const canChangeRoles = site.role === 'owner' || site.role === 'admin';

  return (
    <>
      <SettingsSection
        title="Members"
        description="Owners and admins change settings; viewers only see the dashboard. Only the owner can delete or transfer the site."
      >
        <ResourceView resource={list} loading="Loading members">
          {(data) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Role</th>
                    <th scope="col">Since</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.members.map((member) => (
                    <tr key={member.userId}>
                      <th scope="row">
                        <div>{member.name || member.email}</div>
                        <div className="muted small">
                          {member.email}
                          {member.userId === me.id ? ' (you)' : ''}
                        </div>
                      </th>
                      <td>
                        {member.role === 'owner' || !canChangeRoles ? (
                          <Badge tone={member.role === 'owner' ? 'accent' : 'neutral'}>{member.role}</Badge>
                        ) : (
                          <label>
                            <span className="visually-hidden">Role of {member.email}</span>
                            <select
                              value={member.role}
                              onChange={(e) => void changeRole.run(member.userId, e.target.value as 'admin' | 'viewer')}
                            >
                              <option value="admin">admin</option>
                              <option value="viewer">viewer</option>
                            </select>
                          </label>
                        )}
                      </td>
                      <td>{formatDateTime(member.createdAt, site.timezone)}</td>
                      <td className="actions">
                        {member.role === 'owner' ? null : (
                          <ConfirmButton onConfirm={() => removeMember.run(member.userId)}>
                            {member.userId === me.id ? 'Leave' : 'Remove'}
                          </ConfirmButton>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ResourceView>
        <ErrorMessage error={changeRole.error ?? removeMember.error} />
      </SettingsSection>

      {list.data && list.data.invitations.length > 0 ? (
        <SettingsSection title="Pending invitations">
          <ul className="plain-list">
            {list.data.invitations.map((invitation) => (
              <li key={invitation.id} className="list-row">
                <div>
                  <strong>{invitation.email}</strong> <Badge>{invitation.role}</Badge>
                  <div className="muted small">expires {formatRelative(invitation.expiresAt)}</div>
                </div>
                <ConfirmButton onConfirm={() => revoke.run(invitation.id)}>Withdraw</ConfirmButton>
              </li>
            ))}
          </ul>
          <ErrorMessage error={revoke.error} />
        </SettingsSection>
      ) : null}

      <SettingsSection
        title="Invite someone"
        description="They get an email with a link that is valid for 7 days; they sign in or create an account to accept."
      >
        <form className="stack" onSubmit={invite.onSubmit}>
          <Field
            label="Email"
            type="email"
            required
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as 'admin' | 'viewer')}>
            <option value="viewer">Viewer: sees the dashboard</option>
            <option value="admin">Admin: also changes settings and members</option>
          </SelectField>
          <ErrorMessage error={invite.error} />
          {invited ? <Alert tone="success">Invitation sent to {invited}.</Alert> : null}
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={invite.busy}>
              Send invitation
            </Button>
          </div>
        </form>
      </SettingsSection>
    </>
  );
}
