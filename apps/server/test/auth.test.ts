import { describeEachDialect } from '@parley/db/testing';
import { SignJWT } from 'jose';
import { expect, it } from 'vitest';
import { errorCode, httpClient, registerUser, rejection } from './helpers/clients.ts';
import { startTestServer, TEST_JWT_SECRET } from './helpers/test-server.ts';

describeEachDialect('accounts and tokens', (dialect) => {
  it('registers, logs in, and refuses wrong passwords without naming the cause', async () => {
    await using server = await startTestServer({ dialect });
    const anon = httpClient(server);
    const ada = await registerUser(server, 'Ada');
    expect(ada.auth.user.displayName).toBe('Ada');
    expect(await ada.client.users.me.query()).toMatchObject({
      id: ada.id,
      email: ada.auth.user.email,
    });

    const login = await anon.auth.login.mutate({
      email: ada.auth.user.email.toUpperCase(),
      password: 'pw-Ada-long-enough',
    });
    expect(login.user.id).toBe(ada.id);
    const wrong = await rejection(
      anon.auth.login.mutate({ email: ada.auth.user.email, password: 'nope-nope' }),
    );
    const unknown = await rejection(
      anon.auth.login.mutate({ email: 'nobody@example.com', password: 'nope-nope' }),
    );
    expect(wrong).toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    expect(unknown).toMatchObject({ data: { code: 'UNAUTHORIZED' }, message: wrong.message });
    expect(
      await errorCode(
        anon.auth.register.mutate({
          email: ada.auth.user.email,
          password: 'another-password',
          displayName: 'Imposter',
        }),
      ),
    ).toBe('CONFLICT');
  });

  it('rotates refresh tokens and revokes the family when a spent one is reused', async () => {
    await using server = await startTestServer({ dialect });
    const anon = httpClient(server);
    const ada = await registerUser(server, 'Ada');
    const first = ada.auth.refreshToken;
    const second = await anon.auth.refresh.mutate({ refreshToken: first });
    expect(second.refreshToken).not.toBe(first);
    const third = await anon.auth.refresh.mutate({ refreshToken: second.refreshToken });
    // A stolen copy of the first token is replayed: the whole family dies...
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: first }))).toBe('UNAUTHORIZED');
    // ...including the newest token the legitimate client holds.
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: third.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    // Another login (another family) is unaffected.
    const other = await anon.auth.login.mutate({
      email: ada.auth.user.email,
      password: 'pw-Ada-long-enough',
    });
    expect((await anon.auth.refresh.mutate({ refreshToken: other.refreshToken })).user.id).toBe(
      ada.id,
    );
    // Concurrent use of one token: exactly one rotation wins (a repeat inside the grace period
    // gets that same answer, never a second new token).
    const fresh = await anon.auth.login.mutate({
      email: ada.auth.user.email,
      password: 'pw-Ada-long-enough',
    });
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => anon.auth.refresh.mutate({ refreshToken: fresh.refreshToken })),
    );
    const issued = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.refreshToken] : []));
    expect(issued.length).toBeGreaterThan(0);
    expect(new Set(issued).size).toBe(1);
  });

  it('logout ends the login; refresh tokens expire', async () => {
    await using server = await startTestServer({ dialect });
    const anon = httpClient(server);
    const ada = await registerUser(server, 'Ada');
    await anon.auth.logout.mutate({ refreshToken: ada.auth.refreshToken });
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: ada.auth.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    const login = await anon.auth.login.mutate({
      email: ada.auth.user.email,
      password: 'pw-Ada-long-enough',
    });
    server.clock.advance(31 * 24 * 3600_000);
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: login.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: 'garbage' }))).toBe(
      'UNAUTHORIZED',
    );
  });

  it('rejects expired, tampered, foreign and missing access tokens', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const withToken = (token: string) => httpClient(server, () => token).users.me.query();
    const token = ada.auth.accessToken;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString(
      'base64url',
    );
    expect(await errorCode(withToken(`${header}.${forged}.${signature}`))).toBe('UNAUTHORIZED');
    expect(await errorCode(withToken(`${token.slice(0, -2)}xx`))).toBe('UNAUTHORIZED');
    expect(await errorCode(httpClient(server).users.me.query())).toBe('UNAUTHORIZED');
    // Right secret, wrong audience; and the "none" algorithm.
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(ada.id)
      .setIssuer('parley')
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(secret);
    expect(await errorCode(withToken(foreign))).toBe('UNAUTHORIZED');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect(await errorCode(withToken(none))).toBe('UNAUTHORIZED');

    expect((await withToken(token)).id).toBe(ada.id);
    server.clock.advance(15 * 60_000 + 1_000);
    const expired = await rejection(withToken(token));
    expect(expired).toMatchObject({
      data: { code: 'UNAUTHORIZED' },
      message: 'Access token expired',
    });
  });

  it('rate-limits login attempts per account and per address', async () => {
    await using server = await startTestServer({ dialect, env: { LOGIN_RATE_LIMIT: '3' } });
    const anon = httpClient(server);
    const ada = await registerUser(server, 'Ada');
    const attempt = (password: string) =>
      anon.auth.login.mutate({ email: ada.auth.user.email, password });
    for (let i = 0; i < 3; i++)
      expect(await errorCode(attempt('wrong-password'))).toBe('UNAUTHORIZED');
    const limited = await rejection(attempt('pw-Ada-long-enough'));
    expect(limited.data?.code).toBe('TOO_MANY_REQUESTS');
    expect(limited.data?.retryAfterMs).toBeGreaterThan(0);
  });
});
