import { useEffect, useRef, useState } from 'react';
import { ApiError, type InvitationLookup, invitations, type Me } from '../../api';
import { useAuth } from '../../auth-context';
import { Alert, Button, ErrorMessage, Loading } from '../../components/ui';
import { navigate } from '../../router';
import { useAction } from '../../use-action';
import { AuthLayout } from './auth-layout';
import { LoginForm } from './login';
import { RegisterForm } from './register';
import { useMailToken } from './use-mail-token';

/**
 * Accepting an invitation to a site. The token stays in memory on this one screen: signing in or creating the
 * account happens right here, then the invitation is accepted, without the token travelling through other URLs.
 */
export function InvitationScreen() {
  const token = useMailToken();
  const { user, setUser, signOut } = useAuth();
  const [lookup, setLookup] = useState<InvitationLookup | undefined>();
  const [lookupError, setLookupError] = useState<unknown>();
  const looked = useRef(false);

  useEffect(() => {
    if (!token || looked.current) return;
    looked.current = true;
    invitations.lookup(token).then(setLookup, setLookupError);
  }, [token]);

  const accept = useAction(async () => {
    const { site } = await invitations.accept(token ?? '');
    navigate(`/${encodeURIComponent(site.domain)}`, { replace: true });
  });

  const signedIn = (next: Me) => {
    setUser(next);
    void accept.run();
  };
  // Registering with the invitation token accepts it on the server (membership and a verified address at once).
  const registered = (next: Me) => {
    setUser(next);
    if (lookup) navigate(`/${encodeURIComponent(lookup.siteDomain)}`, { replace: true });
  };

  if (!token) {
    return (
      <AuthLayout title="Invitation">
        <Alert tone="error">
          This page needs the link from the invitation email. Open the link from the email again.
        </Alert>
      </AuthLayout>
    );
  }
  if (lookupError) {
    return (
      <AuthLayout title="Invitation">
        <ErrorMessage error={lookupError} />
        <p>
          {lookupError instanceof ApiError && (lookupError.status === 404 || lookupError.status === 400)
            ? 'The invitation may have expired (they last 7 days), been used already, or been withdrawn. Ask for a new one.'
            : null}
        </p>
      </AuthLayout>
    );
  }
  if (!lookup) {
    return (
      <AuthLayout title="Invitation">
        <Loading label="Loading the invitation" lines={2} />
      </AuthLayout>
    );
  }

  const intro = (
    <p>
      You are invited to <strong>{lookup.siteDomain}</strong> as {lookup.role === 'admin' ? 'an admin' : 'a viewer'}{' '}
      (for <strong>{lookup.email}</strong>).
    </p>
  );

  if (user) {
    const matches = user.email.toLowerCase() === lookup.email.toLowerCase();
    return (
      <AuthLayout title="Join a site" intro={intro}>
        {matches ? (
          <div className="stack">
            <ErrorMessage error={accept.error} />
            <Button variant="primary" busy={accept.busy} onClick={() => void accept.run()}>
              Accept invitation
            </Button>
          </div>
        ) : (
          <div className="stack">
            <Alert tone="warning">
              You are signed in as {user.email}, but this invitation is for {lookup.email}. Sign out, then open the
              invitation link again.
            </Alert>
            <Button onClick={() => void signOut()}>Sign out</Button>
          </div>
        )}
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Join a site" intro={intro}>
      <ErrorMessage error={accept.error} />
      {lookup.accountExists ? (
        <>
          <p>Sign in to accept.</p>
          <LoginForm email={lookup.email} onSignedIn={signedIn} />
        </>
      ) : (
        <>
          <p>Create your account to accept.</p>
          <RegisterForm invitation={token} email={lookup.email} onRegistered={registered} />
        </>
      )}
    </AuthLayout>
  );
}
