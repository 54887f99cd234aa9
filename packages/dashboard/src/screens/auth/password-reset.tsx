import { useState } from 'react';
import { auth } from '../../api';
import { useAuth } from '../../auth-context';
import { Alert, Button, ErrorMessage, Field } from '../../components/ui';
import { Link } from '../../router';
import { useAction } from '../../use-action';
import { AuthLayout, NewPasswordField } from './auth-layout';
import { useMailToken } from './use-mail-token';

export function ForgotPasswordScreen() {
  const { state } = useAuth();
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | undefined>();
  const submit = useAction(async () => {
    await auth.forgotPassword(email.trim());
    setSentTo(email.trim());
  });
  return (
    <AuthLayout
      title="Reset your password"
      footer={
        <span>
          Remembered it? <Link to="/login">Sign in</Link>
        </span>
      }
    >
      {sentTo ? (
        <Alert tone="success">
          If an account exists for <strong>{sentTo}</strong>, an email with a link to choose a new password is on its
          way. The link works once, for one hour.
          {state.smtpConfigured ? null : (
            <> This instance has no mail server set up: its operator finds the link in the server log.</>
          )}
        </Alert>
      ) : (
        <form onSubmit={submit.onSubmit} className="stack">
          <p>Enter the email you sign in with; we will send a link to choose a new password.</p>
          <Field
            label="Email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <ErrorMessage error={submit.error} />
          <Button type="submit" variant="primary" busy={submit.busy}>
            Send reset link
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}

export function ResetPasswordScreen() {
  const token = useMailToken();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const mismatch = confirm.length > 0 && confirm !== password ? 'The two passwords differ.' : undefined;
  const submit = useAction(async () => {
    if (password !== confirm) throw new Error('The two passwords differ.');
    await auth.resetPassword(token ?? '', password);
    setDone(true);
  });
  if (!token) {
    return (
      <AuthLayout title="Choose a new password">
        <Alert tone="error">
          This page needs the link from the password reset email. Open the link from the email again, or{' '}
          <Link to="/forgot-password">ask for a new one</Link>.
        </Alert>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Choose a new password">
      {done ? (
        <Alert tone="success">
          Your password is changed, the account is unlocked, and every session was signed out.{' '}
          <Link to="/login">Sign in with the new password</Link>.
        </Alert>
      ) : (
        <form onSubmit={submit.onSubmit} className="stack">
          <NewPasswordField label="New password" value={password} onChange={setPassword} />
          <Field
            label="Repeat the new password"
            type="password"
            autoComplete="new-password"
            required
            error={mismatch}
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <ErrorMessage error={submit.error} />
          <Button type="submit" variant="primary" busy={submit.busy}>
            Set new password
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
