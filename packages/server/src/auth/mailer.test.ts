import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MailCatcher, startMailCatcher } from '../../test/support/mail-catcher.js';
import { ConfigError } from '../config/settings.js';
import { createLogger } from '../logging.js';
import { createMailer, parseSmtpUrl, sendInBackground } from './mailer.js';

function capturedLogger() {
  let lines = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines += chunk;
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines: () => lines };
}

describe('parseSmtpUrl', () => {
  it('requires STARTTLS for a remote smtp:// server and decodes the credentials', () => {
    expect(parseSmtpUrl('smtp://mailer%40example.com:p%40ss%3Aword@mail.example.com:587')).toMatchObject({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      ignoreTLS: false,
      auth: { user: 'mailer@example.com', pass: 'p@ss:word' },
    });
    expect(parseSmtpUrl('smtp://mail.example.com').port).toBe(587);
  });

  it('uses implicit TLS for smtps://', () => {
    expect(parseSmtpUrl('smtps://u:p@mail.example.com')).toMatchObject({ port: 465, secure: true, requireTLS: false });
  });

  it('lets a loopback relay fall back to plain SMTP, and tls=off turn TLS off anywhere', () => {
    expect(parseSmtpUrl('smtp://127.0.0.1:2525')).toMatchObject({
      requireTLS: false,
      opportunisticTLS: true,
      ignoreTLS: false,
    });
    expect(parseSmtpUrl('smtp://[::1]:25').host).toBe('::1');
    expect(parseSmtpUrl('smtp://mailpit:1025?tls=off')).toMatchObject({ requireTLS: false, ignoreTLS: true });
    expect(parseSmtpUrl('smtp://mail.example.com').auth).toBeUndefined();
  });

  it('refuses options it does not understand, with a message that does not repeat the password', () => {
    for (const url of ['smtp://u:secret@h?tls=maybe', 'smtp://u:secret@h?pool=true', 'smtps://u:secret@h?tls=off']) {
      let error: unknown;
      try {
        parseSmtpUrl(url);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain('secret');
    }
    expect(() => parseSmtpUrl('http://mail.example.com')).toThrow(ConfigError);
  });
});

describe('createMailer', () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher();
  });
  afterAll(async () => {
    await catcher.close();
  });

  it('delivers text and HTML over SMTP from MAIL_FROM', async () => {
    const { logger } = capturedLogger();
    const mailer = createMailer({ smtpUrl: catcher.url, mailFrom: 'Sightline <no-reply@sightline.test>' }, logger);
    expect(mailer.delivers).toBe(true);
    await mailer.send({ to: 'ada@example.com', subject: 'Hello Ada', text: 'Plain — text', html: '<p>HTML</p>' });
    const mail = await catcher.waitFor((m) => m.subject === 'Hello Ada');
    expect(mail.to).toEqual(['ada@example.com']);
    expect(mail.text.trim()).toBe('Plain — text');
    expect(mail.html).toBe('<p>HTML</p>');
    expect(mail.raw).toMatch(/^From: Sightline <no-reply@sightline\.test>/m);
    await mailer.close();
    await expect(mailer.send({ to: 'a@example.com', subject: 'late', text: 'x' })).rejects.toThrow(/closed/);
  });

  it('rejects when the server is unreachable, and sendInBackground logs that without the body', async () => {
    const { logger, lines } = capturedLogger();
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:1', mailFrom: 'x@sightline.test' }, logger);
    await expect(mailer.send({ to: 'a@example.com', subject: 's', text: 'secret link' })).rejects.toThrow();
    sendInBackground(mailer, logger, {
      to: 'b@example.com',
      subject: 'Reset',
      text: 'https://x/reset?token=sl_reset_1',
    });
    await expect.poll(() => lines(), { timeout: 5_000 }).toContain('sending mail failed');
    expect(lines()).not.toContain('sl_reset_1');
    await mailer.close();
  });

  it('logs the mail for the operator when SMTP_URL is not set', async () => {
    const { logger, lines } = capturedLogger();
    const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'x@sightline.test' }, logger);
    expect(mailer.delivers).toBe(false);
    await mailer.send({
      to: 'ada@example.com',
      subject: 'Link',
      text: 'open https://sightline.test/verify-email?token=t',
    });
    expect(lines()).toContain('verify-email?token=t');
    expect(lines()).toContain('SMTP_URL is not set');
  });
});
