import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerUsers } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const fast = { TYPING_TTL_MS: '300', PRESENCE_GRACE_MS: '100' };

describeEachDialect('typing, presence, devices', (dialect) => {
  it('sends typing only to the other members, and stops it on expiry, on request and on send', async () => {
    await using server = await startTestServer({ dialect, env: fast });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using benPhone = await connectDevice(server, ben);
    await using benLaptop = await connectDevice(server, ben);
    await using adaPhone = await connectDevice(server, ada);
    await using evePhone = await connectDevice(server, eve);
    const typingOf = (d: typeof benPhone) => d.ephemeral.filter((e) => e.type === 'typing');

    await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
    await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true }); // refresh: silent
    const started = { type: 'typing', conversationId: chat.id, userId: ada.id, isTyping: true };
    const stopped = { ...started, isTyping: false };
    await vi.waitFor(() => {
      expect(typingOf(benPhone)).toEqual([started]);
      expect(typingOf(benLaptop)).toEqual([started]);
    });
    // Nobody refreshes: it expires after the TTL.
    await vi.waitFor(() => expect(typingOf(benPhone)).toEqual([started, stopped]));

    await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
    await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: false });
    await vi.waitFor(() =>
      expect(typingOf(benLaptop)).toEqual([started, stopped, started, stopped]),
    );

    await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 't',
      text: 'done',
    });
    await vi.waitFor(() => expect(typingOf(benPhone)).toHaveLength(6));
    expect(typingOf(benPhone).at(-1)).toEqual(stopped);

    // The typer's own devices and strangers never hear it.
    expect(typingOf(adaPhone)).toEqual([]);
    expect(evePhone.ephemeral).toEqual([]);
    expect(evePhone.durable).toEqual([]);
  });

  it('shows a user online while any device is connected, offline after the grace period', async () => {
    await using server = await startTestServer({ dialect, env: fast });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using adaPhone = await connectDevice(server, ada);
    await using evePhone = await connectDevice(server, eve);
    const presenceOf = () => adaPhone.ephemeral.filter((e) => e.type === 'presence');

    const benPhone = await connectDevice(server, ben);
    const benLaptop = await connectDevice(server, ben);
    await vi.waitFor(() =>
      expect(presenceOf()).toEqual([
        { type: 'presence', userId: ben.id, online: true, lastSeenAt: null },
      ]),
    );
    expect(await ada.client.presence.get.query({ userIds: [ben.id, eve.id] })).toEqual([
      { userId: ben.id, online: true, lastSeenAt: null },
    ]);
    // One device leaves: still online. The last leaves: offline, with last seen.
    await benPhone[Symbol.asyncDispose]();
    await benLaptop[Symbol.asyncDispose]();
    await vi.waitFor(() => expect(presenceOf()).toHaveLength(2));
    const offline = presenceOf()[1]!;
    expect(offline).toMatchObject({ type: 'presence', userId: ben.id, online: false });
    expect(
      Date.parse(offline.type === 'presence' ? (offline.lastSeenAt ?? '') : ''),
    ).toBeGreaterThan(0);
    const [seen] = await ada.client.presence.get.query({ userIds: [ben.id] });
    expect(seen).toMatchObject({
      online: false,
      lastSeenAt: offline.type === 'presence' ? offline.lastSeenAt : '',
    });

    // Eve shares no conversation with Ben: no events, and presence.get tells her nothing.
    expect(evePhone.ephemeral).toEqual([]);
    expect(await eve.client.presence.get.query({ userIds: [ben.id] })).toEqual([]);
  });

  it('reaches every device of a user; reading on one updates the others', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using phone = await connectDevice(server, ben);
    await using laptop = await connectDevice(server, ben);
    const sent = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'd1',
      text: 'hi',
    });
    await vi.waitFor(() => {
      for (const d of [phone, laptop])
        expect(d.durable.map((e) => e.type)).toEqual(['message.created']);
    });
    expect(
      (await ben.client.conversations.get.query({ conversationId: chat.id })).unreadCount,
    ).toBe(1);

    await ben.client.conversations.markDelivered.mutate({
      conversationId: chat.id,
      upToSeq: sent.seq,
    });
    expect((await ada.client.messages.status.query({ messageId: sent.id })).status).toBe(
      'delivered',
    );
    await ben.client.conversations.markRead.mutate({ conversationId: chat.id }); // "on the phone"
    await vi.waitFor(() =>
      expect(laptop.durable.at(-1)).toMatchObject({
        type: 'receipt',
        userId: ben.id,
        lastReadSeq: 1,
      }),
    );
    expect(
      (await ben.client.conversations.get.query({ conversationId: chat.id })).unreadCount,
    ).toBe(0);
    expect(await ada.client.messages.status.query({ messageId: sent.id })).toEqual({
      messageId: sent.id,
      seq: 1,
      status: 'read',
      readCount: 1,
      recipients: [
        {
          userId: ben.id,
          status: 'read',
          deliveredAt: expect.any(String),
          readAt: expect.any(String),
        },
      ],
    });
  });
});
