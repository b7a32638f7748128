import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerWithEmail, restCall } from './helpers/admin.ts';
import { deferred, httpClient, registerUsers, wsClient } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** `pnpm parley admin ...` as the root script runs it, against the test server's database. */
async function parley(server: TestServer, ...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: serverDir,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATA_DIR: server.dataDir,
      ...(server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    output += String(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describeEachDialect('administration: the admin CLI and roles', (dialect) => {
  it('pnpm parley admin grant / revoke names admins; admins hand out moderator roles', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const audit = (token: string) => restCall(server, token, 'GET', '/admin/audit');
    expect((await audit(ada.auth.accessToken)).status).toBe(403);

    const granted = await parley(server, 'admin', 'grant', ada.auth.user.email.toUpperCase());
    expect(granted).toEqual({ code: 0, output: `${ada.auth.user.email} is now an admin\n` });
    const log = await audit(ada.auth.accessToken);
    expect(log.status).toBe(200);
    expect(log.body.items).toEqual([
      expect.objectContaining({ actorId: null, action: 'user.role_changed', targetId: ada.id }),
    ]);

    // An admin makes Ben a moderator: he works the queue but cannot manage integrations.
    const role = await restCall(
      server,
      ada.auth.accessToken,
      'PUT',
      `/admin/users/${ben.id}/role`,
      {
        role: 'moderator',
      },
    );
    expect(role.body).toMatchObject({ id: ben.id, role: 'moderator' });
    expect((await restCall(server, ben.auth.accessToken, 'GET', '/admin/reports')).status).toBe(
      200,
    );
    expect((await restCall(server, ben.auth.accessToken, 'GET', '/admin/api-keys')).status).toBe(
      403,
    );
    expect((await restCall(server, cy.auth.accessToken, 'GET', '/admin/users?q=a')).status).toBe(
      403,
    );
    // A moderator cannot ban an admin.
    const upward = await restCall(
      server,
      ben.auth.accessToken,
      'POST',
      `/admin/users/${ada.id}/ban`,
      {},
    );
    expect(upward.status).toBe(403);

    const revoked = await parley(server, 'admin', 'revoke', ada.auth.user.email);
    expect(revoked.code).toBe(0);
    expect((await audit(ada.auth.accessToken)).status).toBe(403);
    const unknown = await parley(server, 'admin', 'grant', 'nobody@example.com');
    expect(unknown).toEqual({ code: 1, output: 'No account with the email nobody@example.com\n' });
    expect((await parley(server, 'admin', 'promote')).code).toBe(64);
    // Five command-line processes, each starting Node and tsx: slow on a busy two-core machine.
  }, 180_000);
});

describeEachDialect('integrations: API keys act as bot users', (dialect) => {
  it('a bot sends with its API key, opens direct chats and reads; a revoked key stops at once', async () => {
    await using server = await startTestServer({
      dialect,
      env: { ADMIN_EMAILS: 'ops@example.com' },
    });
    const admin = await registerWithEmail(server, 'Ops', 'ops@example.com');
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    expect(
      (await restCall(server, ada.auth.accessToken, 'POST', '/admin/api-keys', { name: 'x' }))
        .status,
    ).toBe(403);
    const created = await restCall(server, admin.auth.accessToken, 'POST', '/admin/api-keys', {
      name: 'Order bot',
    });
    expect(created.status).toBe(200);
    const {
      key,
      botUserId,
      id: keyId,
    } = created.body as { key: string; botUserId: string; id: string };
    expect(key).toMatch(/^pk_/);
    const listed = await restCall(server, admin.auth.accessToken, 'GET', '/admin/api-keys');
    expect(listed.body.items).toEqual([
      { id: keyId, name: 'Order bot', botUserId, createdAt: expect.any(String), revokedAt: null },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(3));

    // Added to a group like any user; its message goes through the normal send path.
    const group = await ada.client.groups.create.mutate({ name: 'Orders', userIds: [botUserId] });
    await using adaDevice = await connectDevice(server, ada);
    const sent = await restCall(server, key, 'POST', `/conversations/${group.id}/messages`, {
      clientMessageId: 'order-1',
      text: 'Order #1 shipped',
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ senderId: botUserId, text: 'Order #1 shipped' });
    await vi.waitFor(() =>
      expect(
        adaDevice.durable.some(
          (e) => e.type === 'message.created' && e.message.senderId === botUserId,
        ),
      ).toBe(true),
    );
    // Marked as a bot wherever its profile shows.
    expect(await ada.client.users.get.query({ userId: botUserId })).toMatchObject({
      displayName: 'Order bot',
      isBot: true,
    });

    // A direct chat with a user, and reading what its conversations hold.
    const direct = await restCall(server, key, 'POST', '/conversations', { userId: ben.id });
    expect(direct.status).toBe(200);
    await restCall(server, key, 'POST', `/conversations/${direct.body.id}/messages`, {
      clientMessageId: 'hello-ben',
      text: 'Your order is on its way',
    });
    const benInbox = await ben.client.messages.list.query({ conversationId: direct.body.id });
    expect(benInbox.messages.map((m) => m.text)).toEqual(['Your order is on its way']);
    const mine = await restCall(server, key, 'GET', '/conversations');
    expect(mine.body.items.map((c: { id: string }) => c.id).sort()).toEqual(
      [group.id, direct.body.id].sort(),
    );
    const reply = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'thanks',
      text: 'thanks',
    });
    const history = await restCall(server, key, 'GET', `/conversations/${group.id}/messages`);
    expect(history.body.messages.map((m: { id: string }) => m.id)).toContain(reply.id);

    // The bot's live stream over WebSocket, with the key as its token.
    const ws = wsClient(server, () => key);
    const started = deferred();
    let streamError: string | undefined;
    const received: StreamEvent[] = [];
    ws.client.events.subscribe.subscribe(
      {},
      {
        onStarted: () => started.resolve(),
        onData: (item) => {
          if ('data' in item) received.push(item.data as StreamEvent);
        },
        onError: (error) => {
          streamError = error.data?.code;
        },
      },
    );
    try {
      await started.promise;
      const revoked = await restCall(
        server,
        admin.auth.accessToken,
        'DELETE',
        `/admin/api-keys/${keyId}`,
      );
      expect(revoked.body).toMatchObject({ id: keyId, revokedAt: expect.any(String) });
      const refused = await restCall(server, key, 'GET', '/conversations');
      expect(refused.status).toBe(401);
      await vi.waitFor(() => expect(streamError).toBe('FORBIDDEN'));
      expect(
        (
          await restCall(server, key, 'POST', `/conversations/${group.id}/messages`, {
            clientMessageId: 'order-2',
            text: 'too late',
          })
        ).status,
      ).toBe(401);
      const actions = (await admin.client.admin.audit.query({})).items.map((e) => e.action);
      expect(actions).toEqual(['api_key.revoked', 'api_key.created']);
      expect(
        await httpClient(server, () => 'pk_forged.secret')
          .users.me.query()
          .catch((e) => e.data?.code),
      ).toBe('UNAUTHORIZED');
    } finally {
      await ws[Symbol.asyncDispose]();
    }
  });
});
