import { useState } from 'react';
import { auth } from '../../api';
import { useAuth } from '../../auth-context';
import { Button, ErrorMessage, Field } from '../../components/ui';
import { navigate } from '../../router';
import { useAction } from '../../use-action';
import { AuthLayout, NewPasswordField } from './auth-layout';

/** First run: the first person to open a fresh instance creates the owner account. */
export function SetupScreen() {
  const { setUser } = useAuth();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useAction(async () => {
    const { user } = await auth.setup({ name: name.trim(), email: email.trim(), password });
    setUser(user);
    navigate('/sites/new', { replace: true });
  });
  return (
    <AuthLayout
      title="Welcome to Sightline"
      intro={
        <p>
          This instance has no accounts yet. Create the owner account: it can add sites, invite people and change how
          others sign up.
        </p>
      }
    >
      <form onSubmit={submit.onSubmit} className="stack" noValidate={false}>
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
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <NewPasswordField value={password} onChange={setPassword} />
        <ErrorMessage error={submit.error} />
        <Button type="submit" variant="primary" busy={submit.busy}>
          Create owner account
        </Button>
      </form>
    </AuthLayout>
  );
}
