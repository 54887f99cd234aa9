import { useEffect, useRef, useState } from 'react';
import { auth, type Me } from '../../api';
import { useAuth } from '../../auth-context';
import { Alert, Button, ErrorMessage, Field } from '../../components/ui';
import { Link, navigate, safeNext, useLocation } from '../../router';
import { useAction } from '../../use-action';
import { AuthLayout } from './auth-layout';

/**
 * Email and password, then (when the account has MFA) the code step. Reused inline by the invitation screen, which
 * passes `onSignedIn` to continue with the invitation instead of navigating.
 */
export function LoginForm({ onSignedIn, email: fixedEmail }: { onSignedIn: (user: Me) => void; email?: string }) {
  const [email, setEmail] = useState(fixedEmail ?? '');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<'password' | 'mfa'>('password');
  const [code, setCode] = useState('');
  const codeRef = useRef<HTMLInputElement>(null);

  const signIn = useAction(async () => {
    const result = await auth.login({ email: email.trim(), password });
    if (result.status === 'mfa_required') {
      setStep('mfa');
      return;
    }
    onSignedIn(result.user);
  });
  const verify = useAction(async () => {
    const result = await auth.loginMfa(code.replace(/\s+/g, ''));
    onSignedIn(result.user);
  });

  useEffect(() => {
    if (step === 'mfa') codeRef.current?.focus();
  }, [step]);

  if (step === 'mfa') {
    return (
      <form onSubmit={verify.onSubmit} className="stack" aria-label="Two-factor authentication">
        <p>Enter the 6-digit code from your authenticator app, or one of your backup codes.</p>
        <Field
          ref={codeRef}
          label="Authentication code"
          inputMode="text"
          autoComplete="one-time-code"
          required
          maxLength={32}
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <ErrorMessage error={verify.error} />
        <Button type="submit" variant="primary" busy={verify.busy}>
          Verify and sign in
        </Button>
        <Button
          variant="ghost"
          onClick={() => {
            setStep('password');
            setCode('');
            setPassword('');
          }}
        >
          Start over
        </Button>
      </form>
    );
  }

  return (
    <form onSubmit={signIn.onSubmit} className="stack" aria-label="Sign in">
      <Field
        label="Email"
        type="email"
        autoComplete="username"
        required
        readOnly={fixedEmail !== undefined}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <Field
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <ErrorMessage error={signIn.error} />
      <Button type="submit" variant="primary" busy={signIn.busy}>
        Sign in
      </Button>
    </form>
  );
}

export function LoginScreen() {
  const { state, setUser } = useAuth();
  const location = useLocation();
  const next = safeNext(location.search.get('next'));
  const oidcError = location.search.get('error');
  return (
    <AuthLayout
      title="Sign in to Sightline"
      footer={
        <>
          <Link to="/forgot-password">Forgot your password?</Link>
          {state.registration === 'open' ? (
            <span>
              New here? <Link to="/register">Create an account</Link>
            </span>
          ) : null}
        </>
      }
    >
      {oidcError ? <Alert tone="error">Single sign-on failed: {oidcError}</Alert> : null}
      <LoginForm
        onSignedIn={(user) => {
          setUser(user);
          navigate(next, { replace: true });
        }}
      />
      {state.oidc.enabled ? (
        <>
          <div className="divider">
            <span>or</span>
          </div>
          {/* A full-page navigation: the provider's login page, then back with a session cookie. */}
          <a className="btn btn-secondary btn-block" href="/api/auth/oidc/start">
            Sign in with {state.oidc.name || 'single sign-on'}
          </a>
        </>
      ) : null}
    </AuthLayout>
  );
}
