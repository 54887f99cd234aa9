import { account } from '../../api';
import { useAuth } from '../../auth-context';
import { SettingsSection } from '../../components/settings-layout';
import { Badge, ConfirmButton, ErrorMessage, ResourceView } from '../../components/ui';
import { countryName, flagEmoji, formatDateTime, formatRelative } from '../../format';
import { navigate } from '../../router';
import { useAction } from '../../use-action';
import { useResource } from '../../use-resource';

/** Where this account is signed in; any session can be ended (ending the current one signs out here). */
export function SessionsTab() {
  const { signOut } = useAuth();
  const list = useResource('account-sessions', (signal) => account.sessions(signal));
  const revoke = useAction(async (id: string, current: boolean) => {
    if (current) {
      await signOut();
      navigate('/login', { replace: true });
      return;
    }
    await account.revokeSession(id);
    list.reload();
  });
  return (
    <SettingsSection
      title="Active sessions"
      description="Sign out anywhere you do not recognise, then change your password."
    >
      <ResourceView resource={list} loading="Loading sessions">
        {(data) => (
          <ul className="plain-list">
            {data.sessions.map((session) => (
              <li key={session.id} className="list-row">
                <div>
                  <strong>{[session.browser, session.os].filter(Boolean).join(' on ') || 'Unknown browser'}</strong>{' '}
                  {session.current ? <Badge tone="good">this device</Badge> : null}
                  <div className="muted small">
                    {session.country ? `${flagEmoji(session.country)} ${countryName(session.country)} · ` : ''}
                    {session.device ? `${session.device} · ` : ''}
                    last active {formatRelative(session.lastSeenAt)} · signed in {formatDateTime(session.createdAt)}
                  </div>
                </div>
                <ConfirmButton onConfirm={() => revoke.run(session.id, session.current)}>
                  {session.current ? 'Sign out' : 'End session'}
                </ConfirmButton>
              </li>
            ))}
          </ul>
        )}
      </ResourceView>
      <ErrorMessage error={revoke.error} />
    </SettingsSection>
  );
}
