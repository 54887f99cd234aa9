import type { ReactNode } from 'react';
import { Link } from '../router';

/** Settings pages: a list of sections (side on wide screens, a scrolling row on phones) and the chosen one. */
export function SettingsLayout({
  label,
  tabs,
  current,
  children,
}: {
  label: string;
  tabs: { key: string; label: string; to: string }[];
  current: string;
  children: ReactNode;
}) {
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label={label}>
        <ul>
          {tabs.map((tab) => (
            <li key={tab.key}>
              <Link to={tab.to} className="settings-nav-link" aria-current={tab.key === current ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings-content">{children}</div>
    </div>
  );
}

/** One settings block: a title, what it is for, and its controls. */
export function SettingsSection({
  title,
  description,
  children,
  danger,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  danger?: boolean;
}) {
  return (
    <section className={`card pad settings-section ${danger ? 'settings-danger' : ''}`}>
      <h2>{title}</h2>
      {description ? <div className="muted settings-description">{description}</div> : null}
      <div className="stack">{children}</div>
    </section>
  );
}
