import type { MailMessage } from './mailer.js';

/**
 * The account mail Sightline sends, each as plain text (always) and HTML. Every value that reaches the HTML goes
 * through `escapeHtml` here, so a name like `<img src=x onerror=…>` arrives as text. Links are the single-use mail
 * links of the API contract (`<BASE_URL>/verify-email?token=…`); they are the only place a token appears in a URL.
 */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Names are typed by users: keep them to one short line in a subject or greeting. */
function displayName(name: string): string {
  const line = name.replace(/[\r\n\t]+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

function greeting(name: string): string {
  const shown = displayName(name);
  return shown === '' ? 'Hello,' : `Hello ${shown},`;
}

/** One paragraph or a call-to-action link, written once and rendered to both bodies. */
type Block = { text: string } | { link: string; label: string };

function compose(to: string, subject: string, blocks: Block[]): MailMessage {
  const text = blocks.map((block) => ('link' in block ? block.link : block.text)).join('\n\n');
  const body = blocks
    .map((block) =>
      'link' in block
        ? `<p><a href="${escapeHtml(block.link)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#ffffff;border-radius:6px;text-decoration:none">${escapeHtml(block.label)}</a></p>\n<p style="font-size:13px;color:#57606a">Or paste this address into your browser: ${escapeHtml(block.link)}</p>`
        : `<p>${escapeHtml(block.text)}</p>`,
    )
    .join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font:15px/1.5 system-ui,sans-serif;color:#1f2328;max-width:36rem">\n${body}\n<p style="font-size:13px;color:#57606a">— Sightline</p></body></html>`;
  return { to, subject, text: `${text}\n\n— Sightline\n`, html };
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function verifyEmailMail(input: { to: string; name: string; link: string; hours: number }): MailMessage {
  return compose(input.to, 'Confirm your email address for Sightline', [
    { text: greeting(input.name) },
    { text: `Confirm that ${input.to} is your address by opening this link within ${input.hours} hours:` },
    { link: input.link, label: 'Confirm email address' },
    { text: 'If you did not create a Sightline account, ignore this mail.' },
  ]);
}

export function confirmEmailChangeMail(input: { to: string; name: string; link: string; hours: number }): MailMessage {
  return compose(input.to, 'Confirm your new email address for Sightline', [
    { text: greeting(input.name) },
    {
      text: `You asked to sign in to Sightline with ${input.to} from now on. Open this link within ${input.hours} hours to make the change:`,
    },
    { link: input.link, label: 'Use this address' },
    { text: 'If you did not ask for this, ignore this mail: nothing changes until the link is opened.' },
  ]);
}

/** Sent to the old address once an email change is confirmed, so a hijacked account does not go unnoticed. */
export function emailChangedMail(input: { to: string; name: string; newEmail: string }): MailMessage {
  return compose(input.to, 'Your Sightline email address was changed', [
    { text: greeting(input.name) },
    { text: `Your Sightline account now signs in with ${input.newEmail} instead of this address.` },
    {
      text: 'If you did not make this change, someone else may control your account: contact the operator of this Sightline instance.',
    },
  ]);
}

export function passwordResetMail(input: { to: string; name: string; link: string; minutes: number }): MailMessage {
  return compose(input.to, 'Reset your Sightline password', [
    { text: greeting(input.name) },
    {
      text: `Someone (hopefully you) asked to reset the password of the Sightline account for ${input.to}. Open this link within ${input.minutes} minutes to choose a new one; it works once:`,
    },
    { link: input.link, label: 'Choose a new password' },
    { text: 'If you did not ask for this, ignore this mail: your password stays as it is.' },
  ]);
}

export function passwordChangedMail(input: { to: string; name: string; forgotLink: string }): MailMessage {
  return compose(input.to, 'Your Sightline password was changed', [
    { text: greeting(input.name) },
    { text: 'The password of your Sightline account was just changed, and your other sessions were signed out.' },
    { text: 'If this was not you, reset your password now:' },
    { link: input.forgotLink, label: 'Reset password' },
  ]);
}

export function accountLockedMail(input: {
  to: string;
  name: string;
  failures: number;
  lockedUntil: Date;
  ip: string;
  country: string;
  forgotLink: string;
}): MailMessage {
  const from = input.country === '' ? input.ip : `${input.ip} (${input.country})`;
  return compose(input.to, 'Sign-ins to your Sightline account are locked', [
    { text: greeting(input.name) },
    {
      text: `After ${input.failures} failed sign-in attempts in a row, the most recent from ${from}, sign-ins to your Sightline account are refused until ${formatTime(input.lockedUntil)}.`,
    },
    {
      text: 'If these attempts were not yours, someone may be guessing your password. Resetting the password unlocks the account at once:',
    },
    { link: input.forgotLink, label: 'Reset password' },
  ]);
}

/**
 * Sent to an address that another account asked to move to, while an account already uses it. The request is answered
 * like any other (202), so the form cannot be used to learn which addresses have accounts; the address's owner learns
 * here why no confirmation link came.
 */
export function emailInUseMail(input: { to: string; forgotLink: string }): MailMessage {
  return compose(input.to, 'Your address was entered for another Sightline account', [
    { text: 'Hello,' },
    {
      text: `Someone signed in to a Sightline account asked to use ${input.to} for it, but an account with this address already exists, so nothing was changed.`,
    },
    { text: 'If that was you, sign in with this address instead. If you forgot its password, reset it here:' },
    { link: input.forgotLink, label: 'Reset password' },
    { text: 'If it was not you, you can ignore this mail.' },
  ]);
}

/** Sent when two-factor authentication is turned on or off, so a change made from a stolen session does not go unnoticed. */
export function mfaChangedMail(input: { to: string; name: string; enabled: boolean; forgotLink: string }): MailMessage {
  const state = input.enabled ? 'turned on' : 'turned off';
  return compose(input.to, `Two-factor authentication was ${state} for your Sightline account`, [
    { text: greeting(input.name) },
    {
      text: `Two-factor authentication was just ${state} for your Sightline account, and your other sessions were signed out.`,
    },
    {
      text: 'If this was not you, someone else has access to your account: reset your password now and tell the operator of this Sightline instance.',
    },
    { link: input.forgotLink, label: 'Reset password' },
  ]);
}
