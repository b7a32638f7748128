import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { EventSource } from 'eventsource';
import { expect, it, vi } from 'vitest';
import { registerWithEmail, restCall } from './helpers/admin.ts';
import {
  deferred,
  errorCode,
  httpClient,
  registerUsers,
  rejection,
  wsClient,
} from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const ADMIN_EMAIL = 'root-admin@example.com';
const withAdmin = { env: { ADMIN_EMAILS: ` ${ADMIN_EMAIL.toUpperCase()} ` } };

describeEachDialect('moderation: reports, bans and removals', (dialect) => {
  it('a member reports a message into the moderator queue; a stranger cannot report what they cannot see', async () => {
    await using server = await startTestServer({ dialect, ...withAdmin });
    const admin = await registerWithEmail(server, 'Root', ADMIN_EMAIL);
    const [ada, ben, stranger] = await registerUsers(server, 'Ada', 'Ben', 'Stranger');
    const group = await ada.client.groups.create.mutate({ name: 'Club', userIds: [ben.id] });
    const spam = await ben.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'spam-1',
      text: 'buy cheap watches',
    });

    // The stranger is told nothing: the message and a forged id look the same.
    const hidden = await restCall(server, stranger.auth.accessToken, 'POST', '/reports', {
      targetType: 'message',
      targetId: spam.id,
      reason: 'spam',
    });
    expect(hidden.status).toBe(404);
    expect(
      await errorCode(
        stranger.client.reports.create.mutate({
          targetType: 'message',
          targetId: 'no-such-message',
          reason: 'spam',
        }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await errorCode(
        ada.client.reports.create.mutate({
          targetType: 'message',
          targetId: spam.id,
          reason: 'not-a-reason' as 'spam',
        }),
      ),
    ).toBe('BAD_REQUEST');

    const made = await restCall(server, ada.auth.accessToken, 'POST', '/reports', {
      targetType: 'message',
      targetId: spam.id,
      reason: 'spam',
      comment: 'again and again',
    });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ targetId: spam.id, reason: 'spam', status: 'open' });
    const person = await ada.client.reports.create.mutate({
      targetType: 'user',
      targetId: ben.id,
      reason: 'harassment',
    });

    // Members and strangers cannot read the queue; the admin (ADMIN_EMAILS) can.
    expect((await restCall(server, ada.auth.accessToken, 'GET', '/admin/reports')).status).toBe(
      403,
    );
    const queue = await restCall(server, admin.auth.accessToken, 'GET', '/admin/reports');
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({
        id: made.body.id,
        reporterId: ada.id,
        targetType: 'message',
        targetUserId: ben.id,
        messageId: spam.id,
        conversationId: group.id,
        messageText: 'buy cheap watches',
        reason: 'spam',
        comment: 'again and again',
        status: 'open',
      }),
      expect.objectContaining({ id: person.id, targetType: 'user', targetUserId: ben.id }),
    ]);

    // Resolving with "delete message" tombstones it as removed by a moderator, once.
    const resolved = await restCall(
      server,
      admin.auth.accessToken,
      'POST',
      `/admin/reports/${made.body.id}/resolve`,
      { action: 'delete_message', note: 'spam' },
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'delete_message' });
    const again = await restCall(
      server,
      admin.auth.accessToken,
      'POST',
      `/admin/reports/${made.body.id}/resolve`,
      { action: 'dismiss' },
    );
    expect(again.status).toBe(412);
    const tombstone = await ada.client.messages.get.query({ messageId: spam.id });
    expect(tombstone).toMatchObject({ text: '', deletedBy: 'moderator' });
    expect(tombstone.deletedAt).not.toBeNull();
    await admin.client.admin.resolveReport.mutate({ reportId: person.id, action: 'dismiss' });
    expect((await admin.client.admin.reports.query({})).items).toEqual([]);
    expect((await admin.client.admin.reports.query({ status: 'resolved' })).items).toHaveLength(2);

    const audit = await restCall(server, admin.auth.accessToken, 'GET', '/admin/audit?limit=2');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      'report.resolved',
      'report.resolved',
    ]);
    const rest = await admin.client.admin.audit.query({ cursor: audit.body.nextCursor });
    expect(rest.items.map((e) => e.action)).toEqual(['message.removed']);
    expect(rest.items[0]).toMatchObject({ actorId: admin.id, targetId: spam.id });
  });

  it('a ban ends open WebSocket and SSE streams at once and refuses calls, login and refresh', async () => {
    await using server = await startTestServer({ dialect, ...withAdmin });
    const admin = await registerWithEmail(server, 'Root', ADMIN_EMAIL);
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });

    // Ben's WebSocket stream.
    const ws = wsClient(server, () => ben.auth.accessToken);
    let wsError: { code?: string; reason?: string; message: string } | undefined;
    const received: StreamEvent[] = [];
    const started = deferred();
    ws.client.events.subscribe.subscribe(
      { lastEventId: (await ben.client.events.head.query()).lastEventId ?? '' },
      {
        onStarted: () => started.resolve(),
        onData: (item) => {
          if ('data' in item) received.push(item.data as StreamEvent);
        },
        onError: (error) => {
          wsError = { code: error.data?.code, reason: error.data?.reason, message: error.message };
        },
      },
    );
    await started.promise;

    // Ben's SSE stream, as a non-TypeScript client opens it.
    const url = new URL(`${server.url}/trpc/events.subscribe`);
    url.searchParams.set('input', JSON.stringify({}));
    url.searchParams.set('connectionParams', JSON.stringify({ token: ben.auth.accessToken }));
    const source = new EventSource(url);
    let sseOpened = false;
    let sseError = '';
    source.addEventListener('open', () => {
      sseOpened = true;
    });
    source.addEventListener('serialized-error', (m) => {
      sseError = m.data;
      source.close();
    });
    try {
      await vi.waitFor(() => expect(sseOpened).toBe(true));
      await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'hi',
        text: 'hi',
      });
      await vi.waitFor(() => expect(received).toHaveLength(1));

      const banned = await restCall(
        server,
        admin.auth.accessToken,
        'POST',
        `/admin/users/${ben.id}/ban`,
        {
          reason: 'abuse',
        },
      );
      expect(banned.status).toBe(200);
      expect(banned.body).toMatchObject({
        id: ben.id,
        banned: true,
        bannedUntil: null,
        banReason: 'abuse',
      });

      await vi.waitFor(() =>
        expect(wsError).toMatchObject({
          code: 'FORBIDDEN',
          reason: 'ACCOUNT_BANNED',
          message: 'This account is banned',
        }),
      );
      await vi.waitFor(() => expect(sseError).toContain('This account is banned'));
      // The banned user's still-valid access token is refused on every path.
      const call = await rejection(ben.client.users.me.query());
      expect(call.data).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_BANNED' });
      expect(call.message).toBe('This account is banned');
      // Every refusal says why, so a client knows not to retry (REST: in the documented body).
      const rest = await restCall(server, ben.auth.accessToken, 'GET', '/users/me');
      expect(rest.status).toBe(403);
      expect(rest.body.data).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_BANNED' });
      expect(await errorCode(ws.client.users.me.query())).toBe('FORBIDDEN');
      const login = await rejection(
        httpClient(server).auth.login.mutate({
          email: ben.auth.user.email,
          password: 'pw-Ben-long-enough',
        }),
      );
      expect(login.data).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_BANNED' });
      expect(login.message).toBe('This account is banned');
      const refresh = await rejection(
        httpClient(server).auth.refresh.mutate({ refreshToken: ben.auth.refreshToken }),
      );
      expect(refresh.data).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_BANNED' });
      // A moderator cannot ban an admin; nobody can ban themselves.
      expect(await errorCode(admin.client.admin.ban.mutate({ userId: admin.id }))).toBe(
        'FORBIDDEN',
      );
      expect(await errorCode(ada.client.admin.ban.mutate({ userId: ben.id }))).toBe('FORBIDDEN');

      // Unbanned: a new login works (the old refresh tokens stay revoked).
      const lifted = await restCall(
        server,
        admin.auth.accessToken,
        'DELETE',
        `/admin/users/${ben.id}/ban`,
      );
      expect(lifted.body).toMatchObject({ banned: false });
      const back = await httpClient(server).auth.login.mutate({
        email: ben.auth.user.email,
        password: 'pw-Ben-long-enough',
      });
      expect(back.user.id).toBe(ben.id);
      expect((await restCall(server, back.accessToken, 'GET', '/users/me')).status).toBe(200);

      // A ban with an end: over once the time has passed.
      const until = new Date(server.clock.now() + 60_000).toISOString();
      await admin.client.admin.ban.mutate({ userId: ben.id, until });
      const timed = await rejection(
        httpClient(server).auth.login.mutate({
          email: ben.auth.user.email,
          password: 'pw-Ben-long-enough',
        }),
      );
      expect(timed.message).toBe(`This account is banned until ${until}`);
      server.clock.advance(61_000);
      await httpClient(server).auth.login.mutate({
        email: ben.auth.user.email,
        password: 'pw-Ben-long-enough',
      });

      const found = await restCall(
        server,
        admin.auth.accessToken,
        'GET',
        `/admin/users?q=${encodeURIComponent(ben.auth.user.email.slice(0, 6))}`,
      );
      expect(found.body.items).toEqual([
        expect.objectContaining({ id: ben.id, role: 'user', banned: false }),
      ]);
      const actions = (await admin.client.admin.audit.query({})).items.map((e) => e.action);
      expect(actions).toEqual(['user.banned', 'user.unbanned', 'user.banned']);
    } finally {
      source.close();
      await ws[Symbol.asyncDispose]();
    }
  });

  it("a moderator delete reaches every member live and on resume; group admins remove members' messages", async () => {
    await using server = await startTestServer({ dialect, ...withAdmin });
    const admin = await registerWithEmail(server, 'Root', ADMIN_EMAIL);
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const group = await ada.client.groups.create.mutate({ name: 'Club', userIds: [ben.id, cy.id] });
    const send = (text: string) =>
      ben.client.messages.send.mutate({ conversationId: group.id, clientMessageId: text, text });
    const bad = await send('bad');
    const worse = await send('worse');

    await using adaDevice = await connectDevice(server, ada);
    // Cy is offline; Cy resumes later from this id.
    const cyFrom = (await cy.client.events.head.query()).lastEventId ?? '';

    const removed = await restCall(
      server,
      admin.auth.accessToken,
      'DELETE',
      `/admin/messages/${bad.id}`,
    );
    expect(removed).toEqual({ status: 200, body: { ok: true } });
    // Ada, a group admin, removes Ben's other message; Ben cannot remove Ada's.
    const byAdmin = await ada.client.messages.delete.mutate({ messageId: worse.id });
    expect(byAdmin).toMatchObject({ deletedBy: 'group_admin', text: '' });
    const adas = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'mine',
      text: 'mine',
    });
    expect(await errorCode(ben.client.messages.delete.mutate({ messageId: adas.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await errorCode(ada.client.admin.deleteMessage.mutate({ messageId: adas.id }))).toBe(
      'FORBIDDEN',
    );

    const deletions = (events: StreamEvent[]) =>
      events.flatMap((e) =>
        e.type === 'message.deleted' ? [[e.message.id, e.message.deletedBy, e.message.text]] : [],
      );
    const expected = [
      [bad.id, 'moderator', ''],
      [worse.id, 'group_admin', ''],
    ];
    await vi.waitFor(() => expect(deletions(adaDevice.durable)).toEqual(expected));
    await using cyDevice = await connectDevice(server, cy, cyFrom);
    await vi.waitFor(() => expect(deletions(cyDevice.durable)).toEqual(expected));
    const history = await cy.client.messages.list.query({ conversationId: group.id });
    expect(history.messages.filter((m) => m.deletedAt).map((m) => m.deletedBy)).toEqual([
      'moderator',
      'group_admin',
    ]);
    expect(
      (await restCall(server, admin.auth.accessToken, 'DELETE', '/admin/messages/nope')).status,
    ).toBe(404);
  });
});
