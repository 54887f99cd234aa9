import { useState } from 'react';
import { auth, type Me } from '../../api';
import { useAuth } from '../../auth-context';
import { Alert, Button, ErrorMessage, Field } from '../../components/ui';
import { Link, navigate } from '../../router';
import { useAction } from '../../use-action';
import { AuthLayout, NewPasswordField } from './auth-layout';

/** The sign-up form; with an invitation token the email is the invited one and is verified by the invitation. */
export function RegisterForm({
  invitation,
  email: fixedEmail,
  onRegistered,
}: {
  invitation?: string;
  email?: string;
  onRegistered: (user: Me) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState(fixedEmail ?? '');
  const [password, setPassword] = useState('');
  const submit = useAction(async () => {
    const { user } = await auth.register({
      name: name.trim(),
      email: email.trim(),
      password,
      ...(invitation ? { invitation } : {}),
    });
    onRegistered(user);
  });
  return (
    <form onSubmit={submit.onSubmit} className="stack" aria-label="Create an account">
      <Field
        label="Your name"
        autoComplete="name"
        required
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <Field
        label="Email"
        type="email"
        autoComplete="email"
        required
        readOnly={fixedEmail !== undefined}
        maxLength={254}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <NewPasswordField value={password} onChange={setPassword} />
      <ErrorMessage error={submit.error} />
      <Button type="submit" variant="primary" busy={submit.busy}>
        Create account
      </Button>
    </form>
  );
}

export function RegisterScreen() {
  const { state, setUser } = useAuth();
  const footer = (
    <span>
      Already have an account? <Link to="/login">Sign in</Link>
    </span>
  );
  if (state.registration !== 'open') {
    return (
      <AuthLayout title="Create an account" footer={footer}>
        <Alert tone="info">
          {state.registration === 'invite'
            ? 'This Sightline instance is invitation-only. Ask a site owner to invite you; the email they send has a link to sign up.'
            : 'Sign-up is closed on this Sightline instance. Ask its operator for an account.'}
        </Alert>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Create an account" footer={footer}>
      <RegisterForm
        onRegistered={(user) => {
          setUser(user);
          navigate('/', { replace: true });
        }}
      />
    </AuthLayout>
  );
}
