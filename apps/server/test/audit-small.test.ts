// Issue 14, item 8: the upload limit, refresh grace, unknown keys in REST bodies.
import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, httpClient, registerUser } from './helpers/clients.ts';
import { uploadRaw } from './helpers/files.ts';
import { startTestServer } from './helpers/test-server.ts';
import { tusCreate, tusPatch } from './helpers/tus.ts';

const LIMIT = 64 * 1024;

describeEachDialect('small things (issue 14, item 8)', (dialect) => {
  it('accepts a file of exactly UPLOAD_MAX_BYTES and refuses one byte more (multipart and tus)', async () => {
    await using server = await startTestServer({
      dialect,
      env: { UPLOAD_MAX_BYTES: String(LIMIT) },
    });
    const ada = await registerUser(server, 'Ada');
    const exact = new Uint8Array(LIMIT).fill(7);
    const ok = await uploadRaw(server, ada, exact, 'exact.bin', 'application/octet-stream');
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { size: number }).size).toBe(LIMIT);
    const over = await uploadRaw(
      server,
      ada,
      new Uint8Array(LIMIT + 1),
      'over.bin',
      'application/octet-stream',
    );
    expect(over.status).toBe(413);

    const created = await tusCreate(server, ada, { length: LIMIT, name: 'exact.bin' });
    expect(created.status).toBe(201);
    const done = await tusPatch(server, ada, created.headers.get('location')!, 0, exact);
    expect(done.status).toBe(200);
    expect((await tusCreate(server, ada, { length: LIMIT + 1, name: 'over.bin' })).status).toBe(
      413,
    );
  });

  it('lets a just-rotated refresh token be presented again once within 30 s, for the same answer', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const refresh = (refreshToken: string) =>
      fetch(`${server.url}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
    const spent = ada.auth.refreshToken;
    const first = await refresh(spent);
    expect(first.status).toBe(200);
    const answer = (await first.json()) as { accessToken: string; refreshToken: string };
    // The answer was lost: the client presents the spent token again and gets the same pair.
    const again = await refresh(spent);
    expect(again.status).toBe(200);
    const repeated = (await again.json()) as typeof answer;
    expect(repeated.refreshToken).toBe(answer.refreshToken);
    expect(repeated.accessToken).toBe(answer.accessToken);
    // Only once: a third presentation is reuse, and ends the whole login.
    expect((await refresh(spent)).status).toBe(401);
    expect((await refresh(answer.refreshToken)).status).toBe(401);

    // After the grace period, a repeat is reuse.
    const anon = httpClient(server);
    const login = () =>
      anon.auth.login.mutate({ email: ada.auth.user.email, password: 'pw-Ada-long-enough' });
    const late = await login();
    const rotated = await anon.auth.refresh.mutate({ refreshToken: late.refreshToken });
    server.clock.advance(31_000);
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: late.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: rotated.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );

    // Once the successor was used, a repeat is reuse, even inside the grace period.
    const used = await login();
    const next = await anon.auth.refresh.mutate({ refreshToken: used.refreshToken });
    const after = await anon.auth.refresh.mutate({ refreshToken: next.refreshToken });
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: used.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    expect(await errorCode(anon.auth.refresh.mutate({ refreshToken: after.refreshToken }))).toBe(
      'UNAUTHORIZED',
    );
    // The database holds no refresh secret: only hashes, and successor ids.
    const rows = await server.server.db.db.selectFrom('refresh_tokens').selectAll().execute();
    const secret = answer.refreshToken.split('.')[1]!;
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('refuses unknown keys in REST mutation bodies instead of dropping them', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = [await registerUser(server, 'Ada'), await registerUser(server, 'Ben')];
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    for (const text of ['one', 'two']) {
      await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: text,
        text,
      });
    }
    const read = await fetch(`${server.url}/api/v1/conversations/${chat.id}/read`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${ben.auth.accessToken}`,
      },
      body: JSON.stringify({ messageIds: ['x'] }),
    });
    expect(read.status).toBe(400);
    const body = (await read.json()) as { issues: { code: string; keys?: string[] }[] };
    expect(body.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['messageIds'] }]);
    // Nothing was marked read.
    expect(
      (await ben.client.conversations.get.query({ conversationId: chat.id })).unreadCount,
    ).toBe(2);
  });
});
