import { useEffect, useRef, useState } from 'react';
import { auth } from '../../api';
import { useAuth } from '../../auth-context';
import { Alert, ErrorMessage, Loading } from '../../components/ui';
import { Link } from '../../router';
import { AuthLayout } from './auth-layout';
import { useMailToken } from './use-mail-token';

/** Follows an email verification (or email change) link: posts its token once and says how it went. */
export function VerifyEmailScreen() {
  const token = useMailToken();
  const { user, setUser } = useAuth();
  const [status, setStatus] = useState<'working' | 'done' | 'failed'>(token ? 'working' : 'failed');
  const [error, setError] = useState<unknown>();
  const sent = useRef(false);

  useEffect(() => {
    // The token is single-use: never post it twice, even if the effect runs again.
    if (!token || sent.current) return;
    sent.current = true;
    auth
      .verifyEmail(token)
      .then((result) => {
        if (result?.user) setUser(result.user);
        setStatus('done');
      })
      .catch((failure: unknown) => {
        setError(failure);
        setStatus('failed');
      });
  }, [token, setUser]);

  return (
    <AuthLayout title="Email verification">
      {status === 'working' ? <Loading label="Verifying your email" lines={2} /> : null}
      {status === 'done' ? (
        <Alert tone="success">
          Your email address is verified.{' '}
          <Link to={user ? '/' : '/login'}>{user ? 'Go to your sites' : 'Sign in'}</Link>
        </Alert>
      ) : null}
      {status === 'failed' ? (
        error ? (
          <>
            <ErrorMessage error={error} />
            <p>
              Links work once and expire. Sign in and change your email again from your account page to get a new one.
            </p>
          </>
        ) : (
          <Alert tone="error">This page needs the link from the verification email. Open the link again.</Alert>
        )
      ) : null}
    </AuthLayout>
  );
}
