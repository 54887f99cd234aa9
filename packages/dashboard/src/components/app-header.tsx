import type { ReactNode } from 'react';
import { useAuth } from '../auth-context';
import { Link, navigate } from '../router';
import { Logo } from './logo';
import { Popover } from './popover';
import { ThemeToggle } from './theme-toggle';

/** The signed-in header: logo, what the page adds (site switcher), theme, and the account menu. */
export function AppHeader({ children }: { children?: ReactNode }) {
  const { user, signOut } = useAuth();
  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="app-header-inner">
        <Logo />
        <div className="app-header-middle">{children}</div>
        <ThemeToggle />
        {user ? (
          <Popover
            align="end"
            label={`Account menu for ${user.name || user.email}`}
            buttonClassName="avatar-btn"
            buttonContent={<span aria-hidden="true">{initials(user.name || user.email)}</span>}
          >
            {(close) => (
              <nav className="menu" aria-label="Account">
                <div className="menu-heading">
                  <strong>{user.name}</strong>
                  <span className="muted">{user.email}</span>
                </div>
                <Link to="/" className="menu-item" onClick={close}>
                  Sites
                </Link>
                <Link to="/account/profile" className="menu-item" onClick={close}>
                  Account settings
                </Link>
                <button
                  type="button"
                  className="menu-item"
                  onClick={async () => {
                    close();
                    await signOut();
                    navigate('/login', { replace: true });
                  }}
                >
                  Sign out
                </button>
              </nav>
            )}
          </Popover>
        ) : null}
      </div>
    </header>
  );
}

function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s@.]+/)
    .filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

/** A signed-in page: header, then the main content area. */
export function AppPage({ header, children }: { header?: ReactNode; children: ReactNode }) {
  const { user } = useAuth();
  return (
    <>
      <AppHeader>{header}</AppHeader>
      {user && !user.emailVerified ? (
        <div className="banner" role="status">
          Please verify your email address: we sent a link to {user.email}.
        </div>
      ) : null}
      <main id="main" className="container">
        {children}
      </main>
    </>
  );
}
