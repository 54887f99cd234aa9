import { AppPage } from '../../components/app-header';
import { SettingsLayout } from '../../components/settings-layout';
import { PageTitle, useDocumentTitle } from '../../components/ui';
import { ApiKeysTab } from './api-keys-tab';
import { AuditTab } from './audit-tab';
import { MfaTab } from './mfa-tab';
import { PasswordTab } from './password-tab';
import { ProfileTab } from './profile-tab';
import { SessionsTab } from './sessions-tab';

const TABS = [
  { key: 'profile', label: 'Profile' },
  { key: 'password', label: 'Password' },
  { key: 'mfa', label: 'Two-factor authentication' },
  { key: 'sessions', label: 'Sessions' },
  { key: 'api-keys', label: 'API keys' },
  { key: 'audit', label: 'Security log' },
] as const;

/** /account/<tab>: the signed-in person's own settings. */
export default function AccountScreen({ tab }: { tab: string }) {
  const current = TABS.find((t) => t.key === tab) ?? TABS[0];
  useDocumentTitle(`${current.label} · Account`);
  return (
    <AppPage>
      <PageTitle>Account</PageTitle>
      <SettingsLayout
        label="Account settings"
        tabs={TABS.map((t) => ({ key: t.key, label: t.label, to: `/account/${t.key}` }))}
        current={current.key}
      >
        {current.key === 'profile' ? <ProfileTab /> : null}
        {current.key === 'password' ? <PasswordTab /> : null}
        {current.key === 'mfa' ? <MfaTab /> : null}
        {current.key === 'sessions' ? <SessionsTab /> : null}
        {current.key === 'api-keys' ? <ApiKeysTab /> : null}
        {current.key === 'audit' ? <AuditTab /> : null}
      </SettingsLayout>
    </AppPage>
  );
}
