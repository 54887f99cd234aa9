import { describe, expect, it } from 'vitest';
import { invitationMail } from './invitation-mail.js';

describe('invitationMail', () => {
  const base = {
    to: 'jane@example.com',
    inviterName: 'Ada',
    inviterEmail: 'ada@example.org',
    siteDomain: 'shop.example',
    role: 'viewer' as const,
    link: 'https://stats.example/invitations/accept?token=sl_invite_abc',
    expiresAt: new Date('2025-05-08T09:30:00Z'),
  };

  it('says who invites to which site and role, with the link and its expiry', () => {
    const mail = invitationMail(base);
    expect(mail.to).toBe('jane@example.com');
    expect(mail.subject).toBe('Join shop.example on Sightline');
    expect(mail.text).toContain('Ada (ada@example.org) invited you to the analytics of shop.example');
    expect(mail.text).toContain('as a viewer');
    expect(mail.text).toContain(`\n${base.link}\n`);
    expect(mail.text).toContain('2025-05-08 09:30 UTC');
    expect(mail.html).toContain(`href="${base.link}"`);
  });

  it('escapes a hostile inviter name in the HTML and keeps it to one line', () => {
    const mail = invitationMail({ ...base, inviterName: '<img src=x onerror=alert(1)>\r\nBcc: x@evil.test' });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; Bcc: x@evil.test');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});
