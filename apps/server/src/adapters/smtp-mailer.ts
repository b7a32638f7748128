import type { Mailer } from '@parley/api';
import { createTransport } from 'nodemailer';

/**
 * SMTP through nodemailer. `url` carries host, port, credentials and TLS
 * (`smtps://` for implicit TLS; `smtp://` upgrades with STARTTLS when the server offers it).
 * Timeouts are short because a sign-in request waits for the mail to be accepted.
 */
export function createSmtpMailer(url: string, from: string): Mailer {
  const transport = createTransport(
    { url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 },
    { from },
  );
  return {
    async send(message) {
      await transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
    },
    async close() {
      transport.close();
    },
  };
}
