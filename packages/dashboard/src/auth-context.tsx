import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type AuthState, auth, type Me, setUnauthorizedListener } from './api';

/**
 * Who is signed in, and how this instance lets people in (first-run setup, registration mode, OIDC).
 * Loaded once from GET /api/auth/state; screens update it after sign-in, sign-out and profile changes.
 */

interface AuthContextValue {
  state: AuthState;
  user: Me | null;
  setUser(user: Me | null): void;
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | undefined>(undefined);

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (value === undefined) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in user, for screens that only render when there is one. */
export function useUser(): Me {
  const { user } = useAuth();
  if (user === null) throw new Error('useUser without a signed-in user');
  return user;
}

export function AuthProvider({ initial, children }: { initial: AuthState; children: ReactNode }) {
  const [state, setState] = useState<AuthState>(initial);

  const refresh = useCallback(async () => {
    setState(await auth.state());
  }, []);

  useEffect(() => {
    // A 401 on a signed-in request: the session ended (expired, revoked from another device). Re-read the state,
    // which sends the user to sign in again with a note of where they were.
    setUnauthorizedListener(() => {
      setState((current) => (current.user === null ? current : { ...current, user: null }));
    });
    return () => setUnauthorizedListener(undefined);
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      state,
      user: state.user,
      setUser: (user) => setState((current) => ({ ...current, user, setupRequired: false })),
      refresh,
      signOut: async () => {
        try {
          await auth.logout();
        } finally {
          setState((current) => ({ ...current, user: null }));
        }
      },
    }),
    [state, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
