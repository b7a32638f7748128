import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { testClient } from './helpers/sdk.ts';

/** The code in the newest mail the development mailer kept for `email`. */
async function codeFor(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/dev/outbox?to=${encodeURIComponent(email)}`);
  const { mails } = (await res.json()) as { mails: { text: string }[] };
  const code = mails.at(-1)?.text.match(/\b\d{6}\b/)?.[0];
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

describe('sign-in by email code', () => {
  it('creates the account on first use, signs in and connects; a wrong code is refused', async () => {
    await using server = await startTestServer();
    await using client = testClient(server.url);
    const { parley } = client;
    const email = 'dee@example.com';

    await expect(parley.auth.requestOtp({ email })).resolves.toEqual({ ok: true });
    const code = await codeFor(server.url, email);
    const wrong = code === '000000' ? '111111' : '000000';
    await expect(parley.auth.verifyOtp({ email, code: wrong })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(parley.session).toBeNull();

    const session = await parley.auth.verifyOtp({ email, code, displayName: 'Dee' });
    expect(session.user).toMatchObject({ email, displayName: 'Dee' });
    expect(parley.session?.user.email).toBe(email);
    expect(client.events.session.map((e) => e.change)).toEqual(['login']);
    await vi.waitFor(() => expect(parley.connection.status).toBe('connected'));
  });
});
