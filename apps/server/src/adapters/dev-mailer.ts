import type { Mailer, MailMessage } from '@parley/api';
import type { AppLogger } from '../logger.ts';

export interface OutboxMail extends MailMessage {
  sentAt: string;
}

export interface DevOutbox {
  /** The most recent mails, oldest first. */
  mails(): OutboxMail[];
}

const KEEP = 100;

/**
 * Development mailer: nothing leaves the machine. Mails are kept in memory for
 * `GET /dev/outbox`, and with `logMails` (NODE_ENV=development only) written to the log,
 * code included, so a developer can sign in without an SMTP server.
 */
export function createDevMailer(logger: AppLogger, logMails: boolean): Mailer & DevOutbox {
  const outbox: OutboxMail[] = [];
  return {
    async send(message) {
      outbox.push({ ...message, sentAt: new Date().toISOString() });
      if (outbox.length > KEEP) outbox.shift();
      if (logMails) {
        // Deliberate, development only: `body` is not a redacted key.
        logger.info(
          { to: message.to, subject: message.subject, body: message.text },
          'mail kept in the development outbox (not sent)',
        );
      }
    },
    mails: () => [...outbox],
    async close() {},
  };
}
