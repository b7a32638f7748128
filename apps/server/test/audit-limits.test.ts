// Issue 14, items 5, 6 and 7: free-text inputs, internal errors, work per request, 429s.
import { Writable } from 'node:stream';
import { describeEachDialect } from '@parley/db/testing';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.ts';
import { registerUser, registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

const json = (token?: string) => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'error' }, stream), lines };
}

describeEachDialect('free text and internal errors (issue 14, item 5)', (dialect) => {
  it('refuses NUL characters in every free-text input with BAD_REQUEST naming the field', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const api = `${server.url}/api/v1`;
    const send = await fetch(`${api}/conversations/${chat.id}/messages`, {
      method: 'POST',
      headers: json(ada.auth.accessToken),
      body: JSON.stringify({ clientMessageId: 'nul-1', text: 'a\u0000b' }),
    });
    expect(send.status).toBe(400);
    const sendBody = (await send.json()) as { message: string; issues: { path: string[] }[] };
    expect(sendBody.issues.map((i) => i.path)).toEqual([['text']]);

    const search = await fetch(`${api}/users?q=%00`, {
      headers: json(ada.auth.accessToken),
    });
    expect(search.status).toBe(400);
    expect(JSON.stringify(await search.json())).toContain('"q"');

    const profile = await fetch(`${api}/users/me`, {
      method: 'PATCH',
      headers: json(ada.auth.accessToken),
      body: JSON.stringify({ about: 'x\u0000' }),
    });
    expect(profile.status).toBe(400);
    const register = await fetch(`${api}/auth/register`, {
      method: 'POST',
      headers: json(),
      body: JSON.stringify({
        email: 'nul@example.com',
        password: 'long-enough-password',
        displayName: 'N\u0000',
      }),
    });
    expect(register.status).toBe(400);
    // tRPC answers the same, with the field in the message.
    await expect(
      ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'nul-2',
        text: 'a\u0000b',
      }),
    ).rejects.toThrow(/text: must not contain NUL characters/);
    // Nothing was stored.
    expect((await ben.client.messages.list.query({ conversationId: chat.id })).messages).toEqual(
      [],
    );
  });

  it('answers an unexpected failure with a generic message and a request id that is in the log', async () => {
    const { logger, lines } = capturedLogger();
    await using server = await startTestServer({ dialect, logger });
    const ada = await registerUser(server, 'Ada');
    // The database breaks under the running server (a table disappears).
    await server.server.db.db.schema.alterTable('users').renameTo('users_gone').execute();

    const rest = await fetch(`${server.url}/api/v1/users?q=someone`, {
      headers: json(ada.auth.accessToken),
    });
    expect(rest.status).toBe(500);
    const restBody = (await rest.json()) as { message: string; data: { requestId: string } };
    expect(restBody.message).toBe(`Internal server error (request ${restBody.data.requestId})`);
    expect(JSON.stringify(restBody)).not.toMatch(/no such|relation|sqlite|syntax|column/i);

    const trpc = await fetch(
      `${server.url}/trpc/users.search?input=${encodeURIComponent(JSON.stringify({ q: 'x' }))}`,
      { headers: json(ada.auth.accessToken) },
    );
    expect(trpc.status).toBe(500);
    const trpcBody = (await trpc.json()) as {
      error: { message: string; data: { requestId: string } };
    };
    expect(trpcBody.error.message).toMatch(/^Internal server error \(request [0-9a-f-]{36}\)$/);
    expect(JSON.stringify(trpcBody)).not.toMatch(/no such|relation|sqlite|syntax|column/i);

    // Each answer's request id is in the log, next to the real cause.
    for (const requestId of [restBody.data.requestId, trpcBody.error.data.requestId]) {
      const logged = lines.find((l) => l.requestId === requestId);
      expect(logged).toBeDefined();
      expect(JSON.stringify(logged)).toMatch(/users/);
    }
  });
});

/** A tRPC WebSocket that sends `token` as connectionParams; resolves when it closes. */
function openSocket(wsUrl: string, token: string) {
  const ws = new WebSocket(`${wsUrl}?connectionParams=1`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }));
      // A query answered proves the socket was admitted (context made, limits checked).
      ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'users.me', input: {} } }));
      resolve();
    });
    ws.once('error', reject);
  });
  const answered = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { id?: number }).id === 1) resolve();
    }),
  );
  return { ws, opened, answered, closed };
}

describe('work per request (issue 14, item 6)', () => {
  it('caps a tRPC batch, over GET and over POST, with a clear error', async () => {
    await using server = await startTestServer({ env: { TRPC_MAX_BATCH_SIZE: '5' } });
    const batch = (path: string, n: number) => Array.from({ length: n }, () => path).join(',');
    const inputs = (n: number, input: object) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, input])));
    const get = (n: number) =>
      fetch(
        `${server.url}/trpc/${batch('users.me', n)}?batch=1&input=${encodeURIComponent(inputs(n, {}))}`,
      );
    const post = (n: number) =>
      fetch(`${server.url}/trpc/${batch('auth.logout', n)}?batch=1`, {
        method: 'POST',
        headers: json(),
        body: inputs(n, { refreshToken: 'x.y' }),
      });
    for (const call of [get, post]) {
      const over = await call(6);
      expect(over.status).toBe(400);
      expect(JSON.stringify(await over.json())).toContain('Batch call exceeds maximum size');
      expect((await call(5)).status).not.toBe(400);
    }
  });

  it('limits registrations per address, with Retry-After', async () => {
    await using server = await startTestServer({ env: { REGISTER_RATE_LIMIT: '2' } });
    const register = (i: number) =>
      fetch(`${server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: json(),
        body: JSON.stringify({
          email: `reg${i}@example.com`,
          password: 'long-enough-password',
          displayName: `R${i}`,
        }),
      });
    expect((await register(1)).status).toBe(200);
    expect((await register(2)).status).toBe(200);
    const third = await register(3);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await third.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });

  it('caps WebSocket connections per user and per address, closing with the reason', async () => {
    await using server = await startTestServer({
      env: { WS_MAX_CONNECTIONS_PER_USER: '2', WS_MAX_CONNECTIONS_PER_ADDRESS: '3' },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const first = openSocket(server.wsUrl, ada.auth.accessToken);
    const second = openSocket(server.wsUrl, ada.auth.accessToken);
    await Promise.all([first.answered, second.answered]);
    const third = openSocket(server.wsUrl, ada.auth.accessToken);
    expect(await third.closed).toEqual({
      code: 1008,
      reason: 'Too many connections for this user (at most 2)',
    });
    // Another user from the same address: the third socket of the address is fine...
    const bens = openSocket(server.wsUrl, ben.auth.accessToken);
    await bens.answered;
    // ...the fourth is not.
    const fourth = openSocket(server.wsUrl, ben.auth.accessToken);
    expect(await fourth.closed).toEqual({
      code: 1008,
      reason: 'Too many connections from this address (at most 3)',
    });
    // A closed socket frees its place.
    first.ws.close();
    await first.closed;
    await vi.waitFor(async () => {
      const again = openSocket(server.wsUrl, ada.auth.accessToken);
      const outcome = await Promise.race([again.answered.then(() => 'ok'), again.closed]);
      again.ws.close();
      expect(outcome).toBe('ok');
    });
    for (const s of [second, bens]) s.ws.close();
  });
});

describe('defaults and 429s (issue 14, item 7)', () => {
  it('requires METRICS_TOKEN in production, and /metrics then needs it', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toThrow(
      /METRICS_TOKEN: required when NODE_ENV=production/,
    );
    const token = 'metrics-token-0123456789';
    await using server = await startTestServer({
      env: { NODE_ENV: 'production', METRICS_TOKEN: token },
    });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
  });

  it('sends Retry-After (seconds) with every 429, over REST and tRPC HTTP', async () => {
    await using server = await startTestServer({
      env: { SEND_RATE_LIMIT: '1', LOGIN_RATE_LIMIT: '1' },
    });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const send = (id: string) =>
      fetch(`${server.url}/api/v1/conversations/${chat.id}/messages`, {
        method: 'POST',
        headers: json(ada.auth.accessToken),
        body: JSON.stringify({ clientMessageId: id, text: 'hi' }),
      });
    expect((await send('r1')).status).toBe(200);
    const limited = await send('r2');
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as { data: { retryAfterMs: number } };
    expect(Number(limited.headers.get('retry-after'))).toBe(
      Math.max(1, Math.ceil(body.data.retryAfterMs / 1000)),
    );

    const login = () =>
      fetch(`${server.url}/trpc/auth.login`, {
        method: 'POST',
        headers: json(),
        body: JSON.stringify({ email: ada.auth.user.email, password: 'wrong-password' }),
      });
    expect((await login()).status).toBe(401);
    const tooMany = await login();
    expect(tooMany.status).toBe(429);
    expect(Number(tooMany.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
