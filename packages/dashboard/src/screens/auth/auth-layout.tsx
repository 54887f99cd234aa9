import type { ReactNode } from 'react';
import { Logo } from '../../components/logo';
import { ThemeToggle } from '../../components/theme-toggle';
import { Field, useDocumentTitle } from '../../components/ui';

/** The centred card the sign-in, setup and mail-link screens share. */
export function AuthLayout({
  title,
  intro,
  children,
  footer,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  useDocumentTitle(title);
  return (
    <div className="auth-page">
      <div className="auth-top">
        <Logo />
        <ThemeToggle />
      </div>
      <main className="auth-card" id="main">
        <h1 tabIndex={-1} data-page-title>
          {title}
        </h1>
        {intro ? <div className="auth-intro">{intro}</div> : null}
        {children}
      </main>
      {footer ? <div className="auth-footer">{footer}</div> : null}
    </div>
  );
}

/** Password rules the server enforces, said up front. */
const PASSWORD_HINT =
  '8 to 128 characters, without your email address. Long passphrases are best; common passwords are refused.';

function passwordProblem(password: string): string | undefined {
  if (password.length > 0 && password.length < 8) return 'Use at least 8 characters.';
  if (password.length > 128) return 'Use at most 128 characters.';
  return undefined;
}

/** A field for choosing a password (setup, sign-up, reset, change): the server's rules as hint and live check. */
export function NewPasswordField({
  label = 'Password',
  value,
  onChange,
}: {
  label?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <Field
      label={label}
      type="password"
      autoComplete="new-password"
      required
      minLength={8}
      maxLength={128}
      hint={PASSWORD_HINT}
      error={passwordProblem(value)}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
