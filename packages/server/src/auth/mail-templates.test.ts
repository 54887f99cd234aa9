import { describe, expect, it } from 'vitest';
import {
  accountLockedMail,
  confirmEmailChangeMail,
  emailChangedMail,
  emailInUseMail,
  escapeHtml,
  mfaChangedMail,
  passwordChangedMail,
  passwordResetMail,
  verifyEmailMail,
} from './mail-templates.js';

const HOSTILE = `<img src=x onerror="alert('x')">&`;

describe('mail templates', () => {
  const all = [
    verifyEmailMail({
      to: 'a@example.com',
      name: HOSTILE,
      link: 'https://s.test/verify-email?token=t&x="1"',
      hours: 48,
    }),
    confirmEmailChangeMail({
      to: 'a@example.com',
      name: HOSTILE,
      link: 'https://s.test/verify-email?token=t',
      hours: 48,
    }),
    emailChangedMail({ to: 'a@example.com', name: HOSTILE, newEmail: 'b@example.com' }),
    passwordResetMail({
      to: 'a@example.com',
      name: HOSTILE,
      link: 'https://s.test/reset-password?token=t',
      minutes: 60,
    }),
    passwordChangedMail({ to: 'a@example.com', name: HOSTILE, forgotLink: 'https://s.test/forgot-password' }),
    accountLockedMail({
      to: 'a@example.com',
      name: HOSTILE,
      failures: 5,
      lockedUntil: new Date('2025-03-01T10:30:00Z'),
      ip: '203.0.113.9',
      country: 'DE',
      forgotLink: 'https://s.test/forgot-password',
    }),
    mfaChangedMail({ to: 'a@example.com', name: HOSTILE, enabled: true, forgotLink: 'https://s.test/forgot-password' }),
    mfaChangedMail({
      to: 'a@example.com',
      name: HOSTILE,
      enabled: false,
      forgotLink: 'https://s.test/forgot-password',
    }),
  ];

  it('escapes every user-typed value in the HTML body', () => {
    for (const mail of all) {
      expect(mail.html).toBeDefined();
      expect(mail.html).not.toContain('<img');
      expect(mail.html).toContain('&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;');
      expect(mail.text).toContain(HOSTILE);
    }
    expect(all[0]?.html).toContain('href="https://s.test/verify-email?token=t&amp;x=&quot;1&quot;"');
  });

  it('puts the link on a line of its own in the text body', () => {
    expect(all[0]?.text.split('\n')).toContain('https://s.test/verify-email?token=t&x="1"');
    expect(all[3]?.text).toContain('within 60 minutes');
  });

  it('keeps a name with line breaks to one line', () => {
    const mail = verifyEmailMail({
      to: 'a@example.com',
      name: 'Eve\r\nBcc: x@example.com',
      link: 'https://l',
      hours: 48,
    });
    expect(mail.text.split('\n')[0]).toBe('Hello Eve Bcc: x@example.com,');
  });

  it('says when and from where an account was locked', () => {
    const locked = all[5]!;
    expect(locked.text).toContain('After 5 failed sign-in attempts');
    expect(locked.text).toContain('203.0.113.9 (DE)');
    expect(locked.text).toContain('2025-03-01 10:30 UTC');
  });

  it('keeps every subject to one line of fixed text (nothing typed by a user reaches a mail header)', () => {
    for (const mail of [
      ...all,
      emailInUseMail({ to: 'a@example.com', forgotLink: 'https://s.test/forgot-password' }),
    ]) {
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.subject).not.toContain('img');
    }
    expect(all[6]?.subject).toBe('Two-factor authentication was turned on for your Sightline account');
    expect(all[7]?.subject).toBe('Two-factor authentication was turned off for your Sightline account');
  });

  it('tells an address in use that nothing changed, with a way back in and no link that changes anything', () => {
    const notice = emailInUseMail({ to: 'taken@example.com', forgotLink: 'https://s.test/forgot-password' });
    expect(notice.to).toBe('taken@example.com');
    expect(notice.text).toContain('already exists, so nothing was changed');
    expect(notice.text).toContain('https://s.test/forgot-password');
    expect(notice.text).not.toContain('token=');
  });

  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
