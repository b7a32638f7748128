import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, refreshTokens, registerUsers } from './helpers/clients.ts';
import { authHeader, download, makePng, upload } from './helpers/files.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const HOUR = 3600_000;
const MESSAGE_EVENTS = ['message.created', 'message.edited', 'message.deleted', 'receipt'];

describeEachDialect('disappearing messages', (dialect) => {
  it('admins of a group or either member of a direct chat set it; a system message announces it', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, dan] = await registerUsers(server, 'Ada', 'Ben', 'Dan');
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    expect(group.messageRetention).toBe('off');
    await using benPhone = await connectDevice(server, ben);

    const set = (user: typeof ada, conversationId: string, retention: '24h' | '7d' | 'off') =>
      user.client.conversations.setRetention.mutate({ conversationId, retention });
    expect(await errorCode(set(ben, group.id, '24h'))).toBe('FORBIDDEN');
    expect(await errorCode(set(dan, group.id, '24h'))).toBe('NOT_FOUND');
    expect(
      await errorCode(
        ada.client.conversations.setRetention.mutate({
          conversationId: group.id,
          retention: '1y' as never,
        }),
      ),
    ).toBe('BAD_REQUEST');
    expect((await set(ada, group.id, '24h')).messageRetention).toBe('24h');
    await vi.waitFor(() =>
      expect(benPhone.durable).toContainEqual(
        expect.objectContaining({
          type: 'conversation.updated',
          conversation: expect.objectContaining({ id: group.id, messageRetention: '24h' }),
        }),
      ),
    );
    const history = await ben.client.messages.list.query({ conversationId: group.id });
    expect(history.messages.at(-1)).toMatchObject({
      kind: 'system',
      text: 'Ada set messages to disappear after 24 hours',
      system: { action: 'retention_changed', actorId: ada.id, retention: '24h' },
    });

    // REST, by the other member of a direct chat.
    const res = await fetch(`${server.url}/api/v1/conversations/${direct.id}/retention`, {
      method: 'PUT',
      headers: { ...authHeader(ben), 'content-type': 'application/json' },
      body: JSON.stringify({ retention: '7d' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: direct.id, messageRetention: '7d' });
    expect((await set(ada, direct.id, 'off')).messageRetention).toBe('off');
    const directHistory = await ada.client.messages.list.query({ conversationId: direct.id });
    expect(directHistory.messages.map((m) => m.text)).toEqual([
      'Ben set messages to disappear after 7 days',
      'Ada turned off disappearing messages',
    ]);
  });

  it('deletes expired messages with their files and events, and nothing else, while others write', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '100000' } });
    const { db } = server.server.db;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const group = await ada.client.groups.create.mutate({ name: 'Short', userIds: [ben.id] });
    const kept = await ada.client.groups.create.mutate({ name: 'Kept', userIds: [ben.id] });
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await ada.client.conversations.setRetention.mutate({
      conversationId: group.id,
      retention: '24h',
    });
    await ben.client.conversations.setRetention.mutate({
      conversationId: direct.id,
      retention: '7d',
    });
    const file = await upload(server, ada, await makePng(4, 4), 'old.png', 'image/png');
    const send = (conversationId: string, text: string, attachments?: string[]) =>
      ada.client.messages.send.mutate({ conversationId, clientMessageId: text, text, attachments });
    const old = await send(group.id, 'group old', [file.id]);
    await ben.client.messages.react.mutate({ messageId: old.id, emoji: '👍' });
    for (let i = 0; i < 250; i++) await send(group.id, `bulk ${i}`); // more than one batch
    await send(kept.id, 'kept old');
    await send(direct.id, 'direct old');
    const keptEvents = await db
      .selectFrom('events')
      .select('id')
      .where('conversation_id', 'in', [kept.id, direct.id])
      .execute();

    server.clock.advance(25 * HOUR);
    await refreshTokens(server, ada);
    await refreshTokens(server, ben);
    const cutoff = new Date(server.clock.now() - 24 * HOUR).toISOString();
    await send(group.id, 'group new');

    // Writers keep going while the job runs.
    const writers = Promise.all(
      [0, 1].map(async (w) => {
        for (let i = 0; i < 20; i++) await send(group.id, `during ${w}-${i}`);
      }),
    );
    const [result] = await Promise.all([server.server.pruneExpiredMessages(), writers]);
    // The group's system messages (created, retention set), the old one and the bulk.
    expect(result).toMatchObject({ messages: 2 + 1 + 250, files: 1 });

    const history = await ben.client.messages.list.query({ conversationId: group.id, limit: 100 });
    expect(history.messages.map((m) => m.text).sort()).toEqual(
      [
        'group new',
        ...[0, 1].flatMap((w) => Array.from({ length: 20 }, (_, i) => `during ${w}-${i}`)).sort(),
      ].sort(),
    );
    expect(history.hasMore).toBe(false);
    expect(await errorCode(ben.client.messages.get.query({ messageId: old.id }))).toBe('NOT_FOUND');
    expect((await download(server, ada, file.id)).status).toBe(404);
    expect(await server.server.blobs.list(file.id)).toEqual([]);
    expect(await db.selectFrom('reactions').select('message_id').execute()).toEqual([]);
    expect(
      await db
        .selectFrom('events')
        .select('id')
        .where('conversation_id', '=', group.id)
        .where('type', 'in', MESSAGE_EVENTS)
        .where('created_at', '<', cutoff)
        .execute(),
    ).toEqual([]);
    // The group's membership history stays; so does everything of the other conversations.
    expect(
      await db
        .selectFrom('events')
        .select('type')
        .where('conversation_id', '=', group.id)
        .where('created_at', '<', cutoff)
        .execute(),
    ).toContainEqual({ type: 'conversation.created' });
    const stillThere = await db
      .selectFrom('events')
      .select('id')
      .where('conversation_id', 'in', [kept.id, direct.id])
      .where('created_at', '<', cutoff)
      .execute();
    expect(stillThere).toEqual(keptEvents);
    const keptHistory = await ben.client.messages.list.query({ conversationId: kept.id });
    expect(keptHistory.messages.map((m) => m.text)).toContain('kept old');
    const directHistory = await ben.client.messages.list.query({ conversationId: direct.id });
    expect(directHistory.messages.map((m) => m.text)).toContain('direct old');
    expect(await server.server.pruneExpiredMessages()).toEqual({
      messages: 0,
      files: 0,
      events: 0,
    });
  }, 120_000);
});
