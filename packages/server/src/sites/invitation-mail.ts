import { escapeHtml } from '../auth/mail-templates.js';
import type { MailMessage } from '../auth/mailer.js';
import type { SiteRole } from '../domain/account.js';

const ROLE_WORDS: Record<SiteRole, string> = {
  owner: 'owner',
  admin: 'an admin (manage settings and people)',
  viewer: 'a viewer (read the dashboard)',
};

/** Typed names go into one short line of a subject or sentence. */
function oneLine(text: string, max = 80): string {
  const line = text.replace(/[\r\n\t]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The invitation mail: who invites, to which site, with which role, and the single-use link
 * (`<BASE_URL>/invitations/accept?token=…`). Every typed value is escaped in the HTML body.
 */
export function invitationMail(input: {
  to: string;
  inviterName: string;
  inviterEmail: string;
  siteDomain: string;
  role: SiteRole;
  link: string;
  expiresAt: Date;
}): MailMessage {
  const inviter =
    oneLine(input.inviterName) === '' ? input.inviterEmail : `${oneLine(input.inviterName)} (${input.inviterEmail})`;
  const subject = `Join ${input.siteDomain} on Sightline`;
  const expires = `${input.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const paragraphs = [
    'Hello,',
    `${inviter} invited you to the analytics of ${input.siteDomain} on Sightline as ${ROLE_WORDS[input.role]}.`,
    `Open this link to accept; it works once, until ${expires}:`,
  ];
  const closing = `Sign in (or create an account) with ${input.to} to accept. If you did not expect this invitation, ignore this mail.`;
  const text = `${[...paragraphs, input.link, closing].join('\n\n')}\n\n— Sightline\n`;
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    '<body style="font:15px/1.5 system-ui,sans-serif;color:#1f2328;max-width:36rem">\n' +
    paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n') +
    `\n<p><a href="${escapeHtml(input.link)}" style="display:inline-block;padding:10px 16px;background:#2563eb;color:#ffffff;border-radius:6px;text-decoration:none">Accept the invitation</a></p>` +
    `\n<p style="font-size:13px;color:#57606a">Or paste this address into your browser: ${escapeHtml(input.link)}</p>` +
    `\n<p>${escapeHtml(closing)}</p>\n<p style="font-size:13px;color:#57606a">— Sightline</p></body></html>`;
  return { to: input.to, subject, text, html };
}
