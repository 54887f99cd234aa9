import nodemailer from 'nodemailer';
import { ConfigError } from '../config/settings.js';
import type { Logger } from '../logging.js';

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body; every mail has one. */
  text: string;
  /** Optional HTML body; values inside must be escaped by the caller's template. */
  html?: string;
}

/** Sends account mail (verification, reset, invitations, lockout notices). */
export interface Mailer {
  /** True when mail really leaves the machine (SMTP configured); false when it is only logged. */
  readonly delivers: boolean;
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * Without SMTP the operator still needs the links (to verify the first accounts or reset a password), so the mail is
 * written to the log instead. Only sensible because mail links are single-use and short-lived.
 */
export function createLogMailer(logger: Logger): Mailer {
  return {
    delivers: false,
    async send(message) {
      logger.warn(
        { to: message.to, subject: message.subject, body: message.text },
        'mail not sent (SMTP_URL is not set)',
      );
    },
    async close() {},
  };
}

/** How long close() waits for mail still being handed to the server before dropping the connection. */
const CLOSE_GRACE_MS = 10_000;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** nodemailer SMTP options derived from SMTP_URL (exported for tests of the URL rules). */
export interface SmtpOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (smtps://, usually port 465). */
  secure: boolean;
  /** Refuse to send unless STARTTLS succeeds: credentials and reset links never cross the network in clear. */
  requireTLS: boolean;
  /** Never try STARTTLS (`?tls=off`): a relay on a private network that speaks only plain SMTP. */
  ignoreTLS: boolean;
  /** Use STARTTLS when offered, carry on in clear when the upgrade fails (loopback relays with self-signed certs). */
  opportunisticTLS: boolean;
  auth?: { user: string; pass: string };
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
}

/**
 * Reads SMTP_URL: `smtps://user:pass@host:465` (implicit TLS), `smtp://user:pass@host:587` (STARTTLS, required), or
 * for a relay that cannot do TLS, `smtp://host:25?tls=off`. A relay on the loopback interface (`smtp://127.0.0.1:25`,
 * a local Postfix) uses STARTTLS when it works and plain SMTP otherwise: nothing leaves the machine there.
 * User name and password are percent-decoded, so `p%40ss` is the password `p@ss`.
 */
export function parseSmtpUrl(raw: string): SmtpOptions {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL is not a valid URL; use smtp://user:pass@host:587 or smtps://user:pass@host:465');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  }
  if (url.hostname === '') throw new ConfigError('SMTP_URL has no host name');
  const secure = url.protocol === 'smtps:';
  const tls = url.searchParams.get('tls');
  if (tls !== null && tls !== 'off') {
    throw new ConfigError(`SMTP_URL: tls=${tls} is not understood; the only option is tls=off (plain SMTP)`);
  }
  for (const key of url.searchParams.keys()) {
    if (key !== 'tls') throw new ConfigError(`SMTP_URL: the option "${key}" is not understood; only tls=off is`);
  }
  if (secure && tls === 'off')
    throw new ConfigError('SMTP_URL: smtps:// is TLS from the start; tls=off contradicts it');
  const loopback = LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
  const plain = tls === 'off';
  const options: SmtpOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    requireTLS: !secure && !plain && !loopback,
    ignoreTLS: plain,
    opportunisticTLS: !secure && !plain && loopback,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
  if (url.username !== '') {
    options.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  }
  return options;
}

/**
 * The mailer the configuration asks for: SMTP through nodemailer when SMTP_URL is set, the log otherwise.
 * `send` resolves once the server accepted the message and rejects when it did not; callers that must not wait on
 * mail (a sign-in that triggers a lockout notice) run it in the background and log the failure. `close` lets mail in
 * flight finish (up to 10 s), then closes the connection.
 */
export function createMailer(config: { smtpUrl?: string | undefined; mailFrom: string }, logger: Logger): Mailer {
  if (config.smtpUrl === undefined) return createLogMailer(logger);
  const transport = nodemailer.createTransport(parseSmtpUrl(config.smtpUrl), { from: config.mailFrom });
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  return {
    delivers: true,
    async send(message) {
      if (closed) throw new Error('the mailer is closed');
      const sending = transport.sendMail({
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
      });
      inFlight.add(sending);
      try {
        await sending;
      } finally {
        inFlight.delete(sending);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (inFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
          timer.unref();
        });
        await Promise.race([Promise.allSettled([...inFlight]), deadline]);
        clearTimeout(timer);
        if (inFlight.size > 0) logger.warn({ pending: inFlight.size }, 'closing the mailer with mail still unsent');
      }
      transport.close();
    },
  };
}

/**
 * Sends without making the caller wait, logging a failure (without the body: it may hold a single-use link).
 * For requests whose answer must not depend on mail: a slow or down mail server must not turn a sign-in into a
 * timeout, and "forgot password" must answer as fast for an unknown address as for a known one.
 */
export function sendInBackground(mailer: Mailer, logger: Logger, message: MailMessage): void {
  mailer.send(message).catch((error: unknown) => {
    logger.error({ err: error, to: message.to, subject: message.subject }, 'sending mail failed');
  });
}
