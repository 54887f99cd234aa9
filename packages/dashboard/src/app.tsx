import { type ReactNode, Suspense, useEffect, useRef, useState } from 'react';
import { type AuthState, auth, statsApi } from './api';
import { AuthProvider, useAuth } from './auth-context';
import { AppPage } from './components/app-header';
import { Button, errorText, Loading, PageTitle, useDocumentTitle } from './components/ui';
import { lazyScreen } from './lazy-screen';
import { Link, matchPath, navigate, safeNext, useLocation } from './router';
import { InvitationScreen } from './screens/auth/invitation';
import { LoginScreen } from './screens/auth/login';
import { ForgotPasswordScreen, ResetPasswordScreen } from './screens/auth/password-reset';
import { RegisterScreen } from './screens/auth/register';
import { SetupScreen } from './screens/auth/setup';
import { VerifyEmailScreen } from './screens/auth/verify-email';
import { NewSiteScreen } from './screens/sites/new-site';
import { SitesListScreen } from './screens/sites/sites-list';
import { prefetch } from './use-resource';

// Heavy screens load on demand: the first paint needs only the shell, sign-in and the sites list.
const siteRoutes = lazyScreen(() => import('./screens/dashboard/site-routes'));
const sharedSite = lazyScreen(async () => ({ default: (await import('./screens/dashboard/site-routes')).SharedSite }));
const siteSettings = lazyScreen(() => import('./screens/settings/site-settings'));
const accountScreen = lazyScreen(() => import('./screens/account/account-screen'));
const SiteRoutes = siteRoutes.Component;
const SharedSite = sharedSite.Component;
const SiteSettings = siteSettings.Component;
const AccountScreen = accountScreen.Component;

/** Paths that belong to the app itself, never a site's domain. */
const RESERVED = new Set([
  'setup',
  'login',
  'register',
  'forgot-password',
  'reset-password',
  'verify-email',
  'invitations',
  'sites',
  'account',
  'share',
]);

type SiteSection = 'dashboard' | 'realtime' | 'funnels';

/**
 * Opening a dashboard URL directly: fetch its code and the site's context while the sign-in state is still being
 * asked for, instead of one after the other.
 */
function prefetchForEntryPath(pathname: string): void {
  const [, first = '', second] = pathname.split('/');
  if (first === 'share') {
    void sharedSite.preload();
    return;
  }
  if (!first.includes('.') || RESERVED.has(first)) return;
  if (second === 'settings') {
    void siteSettings.preload();
    return;
  }
  void siteRoutes.preload();
  try {
    const domain = decodeURIComponent(first);
    const api = statsApi();
    prefetch(`${api.base}|context|${domain}`, (signal) => api.siteContext(domain, signal));
  } catch {
    // A malformed address: the router shows its "not found" page.
  }
}
if (typeof window !== 'undefined') prefetchForEntryPath(window.location.pathname);

export function App() {
  const location = useLocation();
  const shared = matchPath('/share/:slug/:section?', location.pathname);
  if (shared) {
    const section = sectionOf(shared.section);
    return (
      <Suspense fallback={<FullPageLoading />}>
        {section ? <SharedSite slug={shared.slug!} section={section} /> : <NotFound />}
      </Suspense>
    );
  }
  return <SignedInApp />;
}

function sectionOf(value: string | undefined): SiteSection | undefined {
  if (value === undefined) return 'dashboard';
  if (value === 'realtime' || value === 'funnels') return value;
  return undefined;
}

/** Loads who is signed in (and whether the instance needs its first-run setup) before anything else. */
function SignedInApp() {
  const [state, setState] = useState<AuthState | undefined>();
  const [error, setError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is the retry button's way to ask again
  useEffect(() => {
    const controller = new AbortController();
    auth.state(controller.signal).then(setState, (failure: unknown) => {
      if (!controller.signal.aborted) setError(failure);
    });
    return () => controller.abort();
  }, [attempt]);

  if (!state) {
    if (error)
      return (
        <div className="auth-page">
          <main className="auth-card" id="main">
            <h1>Sightline is not answering</h1>
            <p role="alert">{errorText(error)}</p>
            <Button
              variant="primary"
              onClick={() => {
                setError(undefined);
                setAttempt((n) => n + 1);
              }}
            >
              Try again
            </Button>
          </main>
        </div>
      );
    return <FullPageLoading />;
  }
  return (
    <AuthProvider initial={state}>
      <Routes />
    </AuthProvider>
  );
}

function FullPageLoading() {
  return (
    <div className="full-page-loading">
      <Loading label="Loading Sightline" lines={4} className="card pad" />
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** After a navigation, focus the new page's heading so keyboard and screen reader users start at the top. */
function useFocusOnNavigation(pathname: string) {
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each change of page, which is the point
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    let tries = 0;
    let frame = 0;
    const focus = () => {
      const heading = document.querySelector<HTMLElement>('[data-page-title]');
      if (heading) heading.focus({ preventScroll: true });
      else if (tries++ < 30) frame = requestAnimationFrame(focus);
    };
    frame = requestAnimationFrame(focus);
    return () => cancelAnimationFrame(frame);
  }, [pathname]);
}

function Routes() {
  const { state, user } = useAuth();
  const { pathname, search } = useLocation();
  useFocusOnNavigation(pathname);

  if (pathname === '/setup') return state.setupRequired ? <SetupScreen /> : <Redirect to="/" />;
  if (state.setupRequired) return <Redirect to="/setup" />;

  switch (pathname) {
    case '/login':
      return user ? <Redirect to={safeNext(search.get('next'))} /> : <LoginScreen />;
    case '/register':
      return user ? <Redirect to="/" /> : <RegisterScreen />;
    case '/forgot-password':
      return <ForgotPasswordScreen />;
    case '/reset-password':
      return <ResetPasswordScreen />;
    case '/verify-email':
      return <VerifyEmailScreen />;
    case '/invitations/accept':
      return <InvitationScreen />;
  }

  if (!user) {
    const here = pathname + (search.toString() ? `?${search}` : '');
    return <Redirect to={here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`} />;
  }
  return <Lazy>{signedInRoute(pathname)}</Lazy>;
}

function signedInRoute(pathname: string): ReactNode {
  if (pathname === '/') return <SitesListScreen />;
  if (pathname === '/sites/new') return <NewSiteScreen />;
  const account = matchPath('/account/:tab?', pathname);
  if (account) return <AccountScreen tab={account.tab ?? 'profile'} />;
  const settings = matchPath('/:domain/settings/:tab?', pathname);
  if (settings && !RESERVED.has(settings.domain!))
    return <SiteSettings domain={settings.domain!} tab={settings.tab ?? 'general'} />;
  const site = matchPath('/:domain/:section?', pathname);
  if (site && !RESERVED.has(site.domain!)) {
    const section = sectionOf(site.section);
    if (section) return <SiteRoutes domain={site.domain!} section={section} />;
  }
  return <NotFound signedIn />;
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<FullPageLoading />}>{children}</Suspense>;
}

function NotFound({ signedIn = false }: { signedIn?: boolean }) {
  useDocumentTitle('Page not found');
  const user = signedIn;
  const body = (
    <div className="card pad stack">
      <p>There is no page at this address. It may have moved, or the link is mistyped.</p>
      <p>
        <Link to="/">{user ? 'Go to your sites' : 'Go to the start page'}</Link>
      </p>
    </div>
  );
  if (!user)
    return (
      <main className="container" id="main">
        <PageTitle>Page not found</PageTitle>
        {body}
      </main>
    );
  return (
    <AppPage>
      <PageTitle>Page not found</PageTitle>
      {body}
    </AppPage>
  );
}
