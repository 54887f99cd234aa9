import { useState } from 'react';
import { account } from '../../api';
import { useUser } from '../../auth-context';
import { SettingsSection } from '../../components/settings-layout';
import { Alert, Button, ErrorMessage, Field } from '../../components/ui';
import { useAction } from '../../use-action';
import { NewPasswordField } from '../auth/auth-layout';

export function PasswordTab() {
  const user = useUser();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const change = useAction(async () => {
    if (next !== confirm) throw new Error('The two new passwords differ.');
    setDone(false);
    await account.changePassword({ currentPassword: current, newPassword: next });
    setCurrent('');
    setNext('');
    setConfirm('');
    setDone(true);
  });
  if (!user.hasPassword)
    return (
      <SettingsSection title="Password">
        <p>You sign in with single sign-on; this account has no password.</p>
      </SettingsSection>
    );
  return (
    <SettingsSection title="Change password" description="Every other session is signed out when you change it.">
      <form className="stack" onSubmit={change.onSubmit}>
        <input type="email" autoComplete="username" value={user.email} readOnly hidden />
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <NewPasswordField label="New password" value={next} onChange={setNext} />
        <Field
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          required
          error={confirm && confirm !== next ? 'The two new passwords differ.' : undefined}
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        <ErrorMessage error={change.error} />
        {done ? <Alert tone="success">Password changed. Your other sessions were signed out.</Alert> : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={change.busy}>
            Change password
          </Button>
        </div>
      </form>
    </SettingsSection>
  );
}
