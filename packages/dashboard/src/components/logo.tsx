import { Link } from '../router';

export function LogoMark() {
  return (
    <svg className="logo-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" className="logo-bg" />
      <path d="M6 21c3.5-7 6.5-7 9.5-3s6-1 10.5-9" className="logo-line" fill="none" strokeWidth="3" />
      <circle cx="26" cy="9" r="2.5" className="logo-dot" />
    </svg>
  );
}

export function Logo({ to = '/' }: { to?: string }) {
  return (
    <Link to={to} className="logo" aria-label="Sightline home">
      <LogoMark />
      <span className="logo-text">Sightline</span>
    </Link>
  );
}
