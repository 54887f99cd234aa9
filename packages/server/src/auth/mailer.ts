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
