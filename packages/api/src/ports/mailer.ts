export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text body. */
  text: string;
}

/**
 * Sends email (one-time sign-in codes). Development: an in-memory outbox that logs; production:
 * SMTP. `send` resolves once the message was accepted for delivery and rejects otherwise.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
