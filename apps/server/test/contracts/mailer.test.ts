import type { Mailer, MailMessage } from '@parley/api';
import { describe, expect, it } from 'vitest';
import { createDevMailer } from '../../src/adapters/dev-mailer.ts';
import { createSmtpMailer } from '../../src/adapters/smtp-mailer.ts';
import { createLogger } from '../../src/logger.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

interface Subject extends AsyncDisposable {
  mailer: Mailer;
  received(): MailMessage[];
}

const FROM = 'Parley <login@parley.test>';

const adapters: [string, () => Promise<Subject>][] = [
  [
    'development outbox',
    async () => {
      const mailer = createDevMailer(createLogger('silent'), false);
      return {
        mailer,
        received: () => mailer.mails().map(({ to, subject, text }) => ({ to, subject, text })),
        [Symbol.asyncDispose]: () => mailer.close(),
      };
    },
  ],
  [
    'SMTP (nodemailer to a real SMTP server)',
    async () => {
      const smtp = await startSmtpServer({ auth: { user: 'parley', pass: 'pw' } });
      const mailer = createSmtpMailer(smtp.url, FROM);
      return {
        mailer,
        received: () => smtp.mails.map((m) => ({ to: m.to[0]!, subject: m.subject, text: m.text })),
        async [Symbol.asyncDispose]() {
          await mailer.close();
          await smtp[Symbol.asyncDispose]();
        },
      };
    },
  ],
];

for (const [name, make] of adapters) {
  describe(`mailer contract: ${name}`, () => {
    it('delivers recipient, subject and text intact, non-ASCII and long lines included', async () => {
      await using s = await make();
      const mail = {
        to: 'zoë@example.com',
        subject: 'Your Parley sign-in code — Grüße',
        text: `Your code is 012345.\n\n${'A long line that needs wrapping. '.repeat(8)}\nBis bald ✓\n`,
      };
      await s.mailer.send(mail);
      await s.mailer.send({ ...mail, to: 'second@example.com' });
      // send resolves once the mail was accepted: no waiting needed.
      expect(s.received()).toEqual([mail, { ...mail, to: 'second@example.com' }]);
    });
  });
}

describe('SMTP mailer failures', () => {
  it('rejects when the server refuses the recipient or the credentials', async () => {
    await using smtp = await startSmtpServer({
      auth: { user: 'parley', pass: 'pw' },
      refuse: (address) => address === 'nobody@example.com',
    });
    const refused = createSmtpMailer(smtp.url, FROM);
    await expect(
      refused.send({ to: 'nobody@example.com', subject: 's', text: 't' }),
    ).rejects.toThrow();
    await refused.close();
    const wrongPassword = createSmtpMailer(smtp.url.replace(':pw@', ':nope@'), FROM);
    await expect(
      wrongPassword.send({ to: 'ada@example.com', subject: 's', text: 't' }),
    ).rejects.toThrow(/Invalid login|535|auth/i);
    await wrongPassword.close();
    expect(smtp.mails).toEqual([]);
  });
});
