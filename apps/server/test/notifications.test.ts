import type { NotificationPayload } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { Redis } from 'ioredis';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { fastNotify, outbox, send, WEBHOOK_SECRET } from './helpers/notify.ts';
import { redisSkipReason, redisUrl, uniquePrefix } from './helpers/redis.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';
import { startWebhookReceiver } from './helpers/webhook-receiver.ts';

async function withWebhook(dialect: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  const receiver = await startWebhookReceiver(WEBHOOK_SECRET);
  const server = await startTestServer({
    dialect,
    env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET, ...fastNotify, ...env },
  });
  return {
    receiver,
    server,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await receiver[Symbol.asyncDispose]();
    },
  };
}

describeEachDialect('offline notifications', (dialect) => {
  it('sends a signed webhook for an offline member, none for online or muted members', async () => {
    await using t = await withWebhook(dialect);
    const { server, receiver } = t;
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const withCy = await ada.client.conversations.openDirect.mutate({ userId: cy.id });

    const first = await send(ada, withBen.id, 'words that stay private');
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1));
    const [delivery] = receiver.accepted;
    expect(delivery!.notification).toEqual({
      id: delivery!.id,
      type: 'message.created',
      userId: ben.id,
      conversationId: withBen.id,
      conversationType: 'direct',
      conversationTitle: null,
      messageId: first.id,
      seq: first.seq,
      senderId: ada.id,
      senderName: 'Ada',
      preview: null,
      createdAt: first.createdAt,
    } satisfies NotificationPayload);
    expect(JSON.stringify(receiver.accepted)).not.toContain('private');

    // Ben comes online: his messages are delivered live, not notified.
    await using benPhone = await connectDevice(server, ben);
    await vi.waitFor(async () =>
      expect(await ada.client.presence.get.query({ userIds: [ben.id] })).toEqual([
        { userId: ben.id, online: true, lastSeenAt: null },
      ]),
    );
    const live = await send(ada, withBen.id);
    await vi.waitFor(() =>
      expect(benPhone.durable.map((e) => e.type === 'message.created' && e.message.id)).toContain(
        live.id,
      ),
    );

    // Cy mutes the chat: nothing. Unmuted again: notified.
    const muted = await cy.client.conversations.mute.mutate({ conversationId: withCy.id });
    expect(muted.mutedUntil).toBe('9999-12-31T23:59:59.999Z');
    await send(ada, withCy.id);
    expect(
      (await cy.client.conversations.unmute.mutate({ conversationId: withCy.id })).mutedUntil,
    ).toBeNull();
    const afterUnmute = await send(ada, withCy.id);
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(2));
    expect(receiver.accepted.map((d) => [d.notification.userId, d.notification.messageId])).toEqual(
      [
        [ben.id, first.id],
        [cy.id, afterUnmute.id],
      ],
    );
    // The outbox holds exactly those two: the online and the muted member never got a row.
    await vi.waitFor(async () =>
      expect((await outbox(server)).map((r) => [r.user_id, r.message_id, r.sink, r.state])).toEqual(
        [
          [ben.id, first.id, 'webhook', 'delivered'],
          [cy.id, afterUnmute.id, 'webhook', 'delivered'],
        ],
      ),
    );
    expect(receiver.attempts.every((a) => a.status === 204)).toBe(true);
  });

  it('notifies exactly the offline recipients of sends that arrive together', async () => {
    // Who is online is asked once per batch of sends; a send whose recipients are all online
    // takes the text fast path, one with an offline recipient the writer that queues for them.
    await using t = await withWebhook(dialect);
    const { server, receiver } = t;
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const withCy = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    const group = await ada.client.groups.create.mutate({
      name: 'Mixed',
      userIds: [ben.id, cy.id],
    });
    await using benPhone = await connectDevice(server, ben);
    await vi.waitFor(async () =>
      expect(await ada.client.presence.get.query({ userIds: [ben.id] })).toMatchObject([
        { online: true },
      ]),
    );
    const [toBen, toCy, toGroup, toBenAgain] = await Promise.all([
      send(ada, withBen.id),
      send(ada, withCy.id),
      send(ada, group.id),
      send(ada, withBen.id),
    ]);
    const expected = [
      [cy.id, toCy!.id],
      [cy.id, toGroup!.id],
    ].sort();
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(2));
    expect(
      receiver.accepted.map((d) => [d.notification.userId, d.notification.messageId]).sort(),
    ).toEqual(expected);
    expect((await outbox(server)).map((r) => [r.user_id, r.message_id]).sort()).toEqual(expected);
    // Ben got all three of his live.
    await vi.waitFor(() =>
      expect(
        benPhone.durable.flatMap((e) => (e.type === 'message.created' ? [e.message.id] : [])),
      ).toEqual(expect.arrayContaining([toBen!.id, toGroup!.id, toBenAgain!.id])),
    );
  });

  it('notifies the offline members of a group and the offline recipients of a broadcast', async () => {
    await using t = await withWebhook(dialect);
    const { server, receiver } = t;
    const [ada, ben, cy, di] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Di');
    const group = await ada.client.groups.create.mutate({
      name: 'Crew',
      userIds: [ben.id, cy.id, di.id],
    });
    await di.client.conversations.mute.mutate({ conversationId: group.id });
    await using cyPhone = await connectDevice(server, cy);
    await vi.waitFor(async () =>
      expect((await ada.client.presence.get.query({ userIds: [cy.id] }))[0]?.online).toBe(true),
    );
    const inGroup = await send(ada, group.id, 'to the crew');
    // Ben only: Cy is online, Di muted the group, Ada sent it.
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1));
    expect(receiver.accepted[0]!.notification).toMatchObject({
      userId: ben.id,
      messageId: inGroup.id,
      conversationType: 'group',
      conversationTitle: 'Crew',
    });

    const list = await ada.client.broadcasts.create.mutate({
      name: 'Everyone',
      recipientIds: [ben.id, cy.id, di.id],
    });
    await ada.client.broadcasts.send.mutate({
      broadcastId: list.id,
      clientMessageId: 'b1',
      text: 'to each of you',
    });
    // A copy in each direct chat: Ben and Di are offline (Di muted the group, not the chat).
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(3));
    const copies = receiver.accepted.slice(1).map((d) => d.notification);
    expect(copies.map((n) => n.userId).sort()).toEqual([ben.id, di.id].sort());
    expect(copies.every((n) => n.conversationType === 'direct' && n.senderId === ada.id)).toBe(
      true,
    );
    expect(cyPhone.durable.some((e) => e.type === 'message.created')).toBe(true);
  });

  it('mutes until a time, privately, for members only; an expired mute notifies again', async () => {
    await using t = await withWebhook(dialect);
    const { server, receiver } = t;
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const conversationId = chat.id;
    expect(chat.mutedUntil).toBeNull();

    const until = new Date(server.clock.now() + 5 * 60_000).toISOString();
    expect((await ben.client.conversations.mute.mutate({ conversationId, until })).mutedUntil).toBe(
      until,
    );
    expect((await ben.client.conversations.list.query()).items[0]!.mutedUntil).toBe(until);
    expect((await ada.client.conversations.get.query({ conversationId })).mutedUntil).toBeNull();
    expect(await errorCode(eve.client.conversations.mute.mutate({ conversationId }))).toBe(
      'NOT_FOUND',
    );
    expect(await errorCode(eve.client.conversations.unmute.mutate({ conversationId }))).toBe(
      'NOT_FOUND',
    );
    const past = new Date(server.clock.now() - 1000).toISOString();
    expect(
      await errorCode(ben.client.conversations.mute.mutate({ conversationId, until: past })),
    ).toBe('BAD_REQUEST');
    expect(
      await errorCode(ben.client.conversations.mute.mutate({ conversationId, until: 'soon' })),
    ).toBe('BAD_REQUEST');

    await send(ada, conversationId);
    expect(await outbox(server)).toEqual([]);

    server.clock.advance(5 * 60_000 + 1);
    expect((await ben.client.conversations.get.query({ conversationId })).mutedUntil).toBeNull();
    const later = await send(ada, conversationId);
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1));
    expect(receiver.accepted[0]!.notification.messageId).toBe(later.id);
  });

  it('retries a failing receiver with backoff; every notification arrives once, none is lost', async () => {
    await using t = await withWebhook(dialect);
    const { server, receiver } = t;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    receiver.failNext(5);
    const messages = [await send(ada, chat.id), await send(ada, chat.id), await send(ada, chat.id)];

    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(3), { timeout: 10_000 });
    expect(receiver.accepted.map((d) => d.notification.messageId).sort()).toEqual(
      messages.map((m) => m.id).sort(),
    );
    const failed = receiver.attempts.filter((a) => a.status === 500);
    expect(failed).toHaveLength(5);
    // Retries carry the same notification id, so a receiver can drop duplicates.
    const acceptedIds = new Set(receiver.accepted.map((d) => d.id));
    expect(failed.every((a) => acceptedIds.has(a.id))).toBe(true);

    await vi.waitFor(async () =>
      expect((await outbox(server)).map((r) => r.state)).toEqual([
        'delivered',
        'delivered',
        'delivered',
      ]),
    );
    const rows = await outbox(server);
    expect(rows.reduce((sum, r) => sum + r.attempts, 0)).toBe(3 + 5);
    for (const row of rows.filter((r) => r.attempts > 1)) {
      expect(row.last_error).toBe('webhook answered HTTP 500');
    }
    expect(rows.every((r) => r.next_attempt_at === null && r.claim_token === null)).toBe(true);
  });

  it('gives up after NOTIFY_MAX_ATTEMPTS and keeps the row, with the last error', async () => {
    await using t = await withWebhook(dialect, { NOTIFY_MAX_ATTEMPTS: '4' });
    const { server, receiver } = t;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    receiver.failNext(1_000_000, 503);
    const doomed = await send(ada, chat.id);
    await vi.waitFor(
      async () =>
        expect(await outbox(server)).toMatchObject([
          {
            message_id: doomed.id,
            state: 'failed',
            attempts: 4,
            next_attempt_at: null,
            last_error: 'webhook answered HTTP 503',
          },
        ]),
      { timeout: 5000 },
    );
    expect(receiver.attempts).toHaveLength(4);
  });

  it('keeps pending rows through a restart while the receiver is down', async () => {
    // Slower retries than the other tests: the row must not run out of attempts mid-restart.
    await using t = await withWebhook(dialect, {
      NOTIFY_RETRY_BASE_MS: '200',
      NOTIFY_RETRY_MAX_MS: '200',
      NOTIFY_MAX_ATTEMPTS: '1000',
    });
    const { server, receiver } = t;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    receiver.failNext(1_000_000, 503);
    const survivor = await send(ada, chat.id);
    await vi.waitFor(() => expect(receiver.attempts.length).toBeGreaterThanOrEqual(2), {
      timeout: 5000,
    });
    await server.restart();
    receiver.failNext(0);
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1), { timeout: 5000 });
    expect(receiver.accepted[0]!.notification.messageId).toBe(survivor.id);
    await vi.waitFor(async () =>
      expect((await outbox(server)).map((r) => r.state)).toEqual(['delivered']),
    );
  });

  it.skipIf(!redisUrl)(
    `publishes on the Redis channel events:message.created${redisSkipReason}`,
    async () => {
      await using server = await startTestServer({
        dialect,
        env: { REDIS_URL: redisUrl!, REDIS_PREFIX: uniquePrefix(), ...fastNotify },
      });
      const subscriber = new Redis(redisUrl!);
      const heard: NotificationPayload[] = [];
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === 'events:message.created')
          heard.push(JSON.parse(message) as NotificationPayload);
      });
      await subscriber.subscribe('events:message.created');
      try {
        const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
        const ours = () => heard.filter((n) => n.userId === ben.id || n.userId === cy.id);
        const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
        const withCy = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
        const first = await send(ada, withBen.id);
        await vi.waitFor(() => expect(ours()).toHaveLength(1));
        expect(ours()[0]).toMatchObject({ userId: ben.id, messageId: first.id, senderName: 'Ada' });

        // Presence lives in Redis here; an online member still gets nothing.
        await using benPhone = await connectDevice(server, ben);
        await vi.waitFor(async () =>
          expect((await ada.client.presence.get.query({ userIds: [ben.id] }))[0]?.online).toBe(
            true,
          ),
        );
        await send(ada, withBen.id);
        const toCy = await send(ada, withCy.id);
        await vi.waitFor(() => expect(ours()).toHaveLength(2));
        expect(ours()[1]).toMatchObject({ userId: cy.id, messageId: toCy.id });
        expect(benPhone.durable.length).toBeGreaterThan(0);
      } finally {
        await subscriber.quit();
      }
    },
  );
});
