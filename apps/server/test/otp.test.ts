import { describeEachDialect } from '@parley/db/testing';
import { describe, expect, it, vi } from 'vitest';
import { errorCode, httpClient, registerUser, rejection } from './helpers/clients.ts';
import { startSmtpServer } from './helpers/smtp.ts';
import { startTestServer } from './helpers/test-server.ts';

const MAIL_FROM = 'Parley <login@parley.test>';

async function withSmtp(dialect: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  const smtp = await startSmtpServer({ auth: { user: 'parley', pass: 's3cret' } });
  const server = await startTestServer({
    dialect,
    env: { SMTP_URL: smtp.url, MAIL_FROM, ...env },
  });
  return {
    smtp,
    server,
    /** The code in the newest mail to `email`, waiting for it to arrive. */
    async codeFor(email: string, count: number): Promise<string> {
      const mails = () => smtp.mails.filter((m) => m.to.includes(email));
      await vi.waitFor(() => expect(mails()).toHaveLength(count));
      return /\b(\d{6})\b/.exec(mails().at(-1)!.text)![1]!;
    },
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await smtp[Symbol.asyncDispose]();
    },
  };
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describeEachDialect('sign-in by email code', (dialect) => {
  it('signs in through a real SMTP server; wrong, expired and reused codes are refused', async () => {
    await using t = await withSmtp(dialect);
    const anon = httpClient(t.server);
    const email = `new.person.${Date.now()}@example.com`;

    expect(await anon.auth.requestOtp.mutate({ email: email.toUpperCase() })).toEqual({ ok: true });
    const code = await t.codeFor(email, 1);
    const mail = t.smtp.mails.at(-1)!;
    expect(mail).toMatchObject({ from: 'login@parley.test', to: [email], user: 'parley' });
    expect(mail.headers.from).toBe('Parley <login@parley.test>');
    expect(mail.subject).toBe('Your Parley sign-in code');
    expect(mail.text).toContain(`Your Parley sign-in code is ${code}.`);
    expect(mail.text).toContain('expires in 10 minutes');

    const invalid = await rejection(anon.auth.verifyOtp.mutate({ email, code: wrong(code) }));
    expect(invalid).toMatchObject({
      message: 'Invalid or expired code',
      data: { code: 'UNAUTHORIZED' },
    });
    expect(await errorCode(anon.auth.verifyOtp.mutate({ email, code: '12345' }))).toBe(
      'BAD_REQUEST',
    );

    // The right code (second guess) signs in and creates the account.
    const signedIn = await anon.auth.verifyOtp.mutate({ email, code, displayName: 'Nova' });
    expect(signedIn.user).toMatchObject({ email, displayName: 'Nova' });
    const me = httpClient(t.server, () => signedIn.accessToken);
    expect(await me.users.me.query()).toMatchObject({ id: signedIn.user.id, email });
    expect(await anon.auth.refresh.mutate({ refreshToken: signedIn.refreshToken })).toMatchObject({
      user: { id: signedIn.user.id },
    });

    // Single use.
    expect(await rejection(anon.auth.verifyOtp.mutate({ email, code }))).toMatchObject({
      message: invalid.message,
    });

    // Ten minutes, then it is dead.
    await anon.auth.requestOtp.mutate({ email });
    const late = await t.codeFor(email, 2);
    t.server.clock.advance(10 * 60_000 + 1);
    expect(await rejection(anon.auth.verifyOtp.mutate({ email, code: late }))).toMatchObject({
      message: invalid.message,
    });
  });

  it('allows 5 guesses per code, and only the newest code works', async () => {
    await using t = await withSmtp(dialect);
    const anon = httpClient(t.server);
    const email = `guesser.${Date.now()}@example.com`;
    await anon.auth.requestOtp.mutate({ email });
    const code = await t.codeFor(email, 1);
    for (let i = 0; i < 5; i += 1) {
      expect(await errorCode(anon.auth.verifyOtp.mutate({ email, code: wrong(code) }))).toBe(
        'UNAUTHORIZED',
      );
    }
    // The sixth try is refused even with the right code: the code is used up.
    expect(await errorCode(anon.auth.verifyOtp.mutate({ email, code }))).toBe('UNAUTHORIZED');

    await anon.auth.requestOtp.mutate({ email });
    const first = await t.codeFor(email, 2);
    await anon.auth.requestOtp.mutate({ email });
    const second = await t.codeFor(email, 3);
    if (first !== second) {
      expect(await errorCode(anon.auth.verifyOtp.mutate({ email, code: first }))).toBe(
        'UNAUTHORIZED',
      );
    }
    expect((await anon.auth.verifyOtp.mutate({ email, code: second })).user.email).toBe(email);
  });

  it('answers alike for known and unknown addresses; a known address signs in to its account', async () => {
    await using t = await withSmtp(dialect);
    const anon = httpClient(t.server);
    const ada = await registerUser(t.server, 'Ada');
    const unknown = `nobody.${Date.now()}@example.com`;
    const known = await anon.auth.requestOtp.mutate({ email: ada.auth.user.email });
    expect(await anon.auth.requestOtp.mutate({ email: unknown })).toEqual(known);

    const code = await t.codeFor(ada.auth.user.email, 1);
    const signedIn = await anon.auth.verifyOtp.mutate({
      email: ada.auth.user.email,
      code,
      displayName: 'Ignored for existing accounts',
    });
    expect(signedIn.user).toMatchObject({ id: ada.id, displayName: 'Ada' });
    // The password keeps working: the code is another way in, not a replacement.
    expect(
      (await anon.auth.login.mutate({ email: ada.auth.user.email, password: 'pw-Ada-long-enough' }))
        .user.id,
    ).toBe(ada.id);

    // Without a display name, a new account is named after the address.
    const fresh = await t.codeFor(unknown, 1);
    const created = await anon.auth.verifyOtp.mutate({ email: unknown, code: fresh });
    expect(created.user.displayName).toBe(unknown.split('@')[0]);
  });

  it('lets exactly one of two simultaneous sign-ins with the same code through', async () => {
    await using t = await withSmtp(dialect);
    const anon = httpClient(t.server);
    const email = `racer.${Date.now()}@example.com`;
    await anon.auth.requestOtp.mutate({ email });
    const code = await t.codeFor(email, 1);
    const results = await Promise.allSettled([
      anon.auth.verifyOtp.mutate({ email, code }),
      anon.auth.verifyOtp.mutate({ email, code }),
      anon.auth.verifyOtp.mutate({ email, code }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('rate-limits code requests per address and per client', async () => {
    await using t = await withSmtp(dialect, { OTP_RATE_LIMIT: '2', OTP_IP_RATE_LIMIT: '4' });
    const anon = httpClient(t.server);
    const email = `spam.${Date.now()}@example.com`;
    await anon.auth.requestOtp.mutate({ email });
    await anon.auth.requestOtp.mutate({ email });
    const limited = await rejection(anon.auth.requestOtp.mutate({ email }));
    expect(limited.data).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(limited.data?.retryAfterMs).toBeGreaterThan(0);
    // Other addresses from the same client: the per-client limit (4 requests) ends it.
    await anon.auth.requestOtp.mutate({ email: `other.${email}` });
    expect(await errorCode(anon.auth.requestOtp.mutate({ email: `third.${email}` }))).toBe(
      'TOO_MANY_REQUESTS',
    );
    expect(t.smtp.mails).toHaveLength(3);
  });

  it('answers with an error, and no account, when the mail server refuses the mail', async () => {
    const smtp = await startSmtpServer({ refuse: (address) => address.startsWith('bounce') });
    await using _smtp = smtp;
    await using server = await startTestServer({
      dialect,
      env: { SMTP_URL: smtp.url, MAIL_FROM },
    });
    const anon = httpClient(server);
    const failed = await rejection(anon.auth.requestOtp.mutate({ email: 'bounce@example.com' }));
    expect(failed).toMatchObject({
      message: 'The code could not be sent, try again later',
      data: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('development outbox', () => {
  it('keeps mails at GET /dev/outbox outside production (no SMTP needed)', async () => {
    await using server = await startTestServer();
    const anon = httpClient(server);
    const email = `dev.${Date.now()}@example.com`;
    await anon.auth.requestOtp.mutate({ email });
    const response = await fetch(`${server.url}/dev/outbox?to=${encodeURIComponent(email)}`);
    const { mails } = (await response.json()) as { mails: { to: string; text: string }[] };
    expect(mails).toHaveLength(1);
    const code = /\b(\d{6})\b/.exec(mails[0]!.text)![1]!;
    expect((await anon.auth.verifyOtp.mutate({ email, code })).user.email).toBe(email);
  });

  it('does not exist in production, where codes need SMTP_URL', async () => {
    await using server = await startTestServer({
      env: {
        NODE_ENV: 'production',
        WEB_DEMO_DIR: '/nonexistent',
        METRICS_TOKEN: 'metrics-token-0123456789',
      },
    });
    expect((await fetch(`${server.url}/dev/outbox`)).status).toBe(404);
    expect(
      await errorCode(httpClient(server).auth.requestOtp.mutate({ email: 'a@example.com' })),
    ).toBe('PRECONDITION_FAILED');
  });
});
