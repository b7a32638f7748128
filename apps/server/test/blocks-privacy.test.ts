import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers, rejection, type TestUser } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const fast = { TYPING_TTL_MS: '60000', PRESENCE_GRACE_MS: '100' };

function restCall(url: string, user: TestUser, method: string, path: string, body?: unknown) {
  return fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${user.auth.accessToken}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
}

describeEachDialect('blocking', (dialect) => {
  it('refuses a blocked user direct chats and sends, and withholds every signal both ways', async () => {
    await using server = await startTestServer({ dialect, env: fast });
    const [ada, ben, cal] = await registerUsers(server, 'Ada', 'Ben', 'Cal');
    const direct = await ben.client.conversations.openDirect.mutate({ userId: ada.id });
    const group = await cal.client.groups.create.mutate({
      name: 'Climbing',
      userIds: [ada.id, ben.id],
    });
    await ben.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'before',
      text: 'hi Ada',
    });
    const { lastEventId: beforeBlock } = await ada.client.events.head.query();

    await using adaLaptop = await connectDevice(server, ada);

    // Over REST, as the Flutter app does; only Ada's own devices hear about it.
    const blocked = await restCall(server.url, ada, 'POST', `/users/${ben.id}/block`);
    expect(blocked.status).toBe(200);
    await vi.waitFor(() =>
      expect(adaLaptop.durable.filter((e) => e.type === 'block.changed')).toMatchObject([
        { type: 'block.changed', userId: ben.id, blocked: true },
      ]),
    );
    const list = await (await restCall(server.url, ada, 'GET', '/users/me/blocks')).json();
    expect(list).toMatchObject([{ user: { id: ben.id, displayName: 'Ben' } }]);
    expect(await ben.client.users.blocks.query()).toEqual([]);
    // Devices that come online after the block: their presence too is withheld.
    await using calPhone = await connectDevice(server, cal);
    await using adaPhone = await connectDevice(server, ada);
    await using benPhone = await connectDevice(server, ben);

    // Ben can neither write into the chat nor open it; the answer says no more than that.
    const send = await rejection(
      ben.client.messages.send.mutate({
        conversationId: direct.id,
        clientMessageId: 'after',
        text: 'why?',
      }),
    );
    expect(send.data?.code).toBe('FORBIDDEN');
    expect(send.message).toBe('You cannot message this user');
    const open = await rejection(ben.client.conversations.openDirect.mutate({ userId: ada.id }));
    expect(open.data?.code).toBe('FORBIDDEN');
    expect(open.message).toBe('You cannot message this user');
    const restSend = await restCall(
      server.url,
      ben,
      'POST',
      `/conversations/${direct.id}/messages`,
      { clientMessageId: 'rest', text: 'hello?' },
    );
    expect(restSend.status).toBe(403);
    expect(
      await errorCode(
        ada.client.messages.send.mutate({
          conversationId: direct.id,
          clientMessageId: 'a',
          text: 'x',
        }),
      ),
    ).toBe('FORBIDDEN');

    // Group messages still flow both ways.
    await ben.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'g1',
      text: 'group hello',
    });
    const adaSaid = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'g2',
      text: 'group reply',
    });
    await vi.waitFor(() => {
      expect(
        adaPhone.durable.some(
          (e) => e.type === 'message.created' && e.message.text === 'group hello',
        ),
      ).toBe(true);
      expect(
        benPhone.durable.some(
          (e) => e.type === 'message.created' && e.message.text === 'group reply',
        ),
      ).toBe(true);
    });

    // Typing and receipts reach the third member, never the other side of the block.
    await ada.client.typing.set.mutate({ conversationId: group.id, isTyping: true });
    await ben.client.typing.set.mutate({ conversationId: group.id, isTyping: true });
    await cal.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'c1',
      text: 'read me',
    });
    await ben.client.conversations.markRead.mutate({ conversationId: direct.id });
    await ben.client.conversations.markRead.mutate({ conversationId: group.id });
    await ada.client.conversations.markRead.mutate({ conversationId: group.id });
    await vi.waitFor(() => {
      expect(calPhone.ephemeral.filter((e) => e.type === 'typing')).toHaveLength(2);
      const calReceipts = calPhone.durable.filter((e) => e.type === 'receipt');
      expect(new Set(calReceipts.map((e) => e.userId))).toEqual(new Set([ada.id, ben.id]));
    });
    // A marker after everything: once it arrives, anything withheld would have arrived too.
    await cal.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'marker',
      text: 'marker',
    });
    const sawMarker = (d: typeof adaPhone) =>
      d.durable.some((e) => e.type === 'message.created' && e.message.text === 'marker');
    await vi.waitFor(() => {
      expect(sawMarker(adaPhone) && sawMarker(benPhone)).toBe(true);
      // Cal saw Ben come online; Ada, who blocked him, did not.
      const online = calPhone.ephemeral.filter((e) => e.type === 'presence' && e.online);
      expect(online.map((e) => e.userId)).toContain(ben.id);
    });
    const from = (d: typeof adaPhone, userId: string) => [
      ...d.ephemeral.filter((e) => e.userId === userId),
      ...d.durable.filter((e) => e.type === 'receipt' && e.userId === userId),
    ];
    expect(from(adaLaptop, ben.id)).toEqual([]);
    expect(from(adaPhone, ben.id)).toEqual([]);
    expect(from(benPhone, ada.id)).toEqual([]);
    expect(benPhone.durable.filter((e) => e.type === 'block.changed')).toEqual([]);

    // Nor on resume from before the block.
    await using adaResumed = await connectDevice(server, ada, beforeBlock ?? '');
    await using benResumed = await connectDevice(server, ben, beforeBlock ?? '');
    await vi.waitFor(() => expect(sawMarker(adaResumed) && sawMarker(benResumed)).toBe(true));
    expect(from(adaResumed, ben.id)).toEqual([]);
    expect(from(benResumed, ada.id)).toEqual([]);
    expect(benResumed.durable.filter((e) => e.type === 'block.changed')).toEqual([]);
    expect(
      adaResumed.durable.filter(
        (e) =>
          e.type === 'message.created' &&
          e.message.senderId === ben.id &&
          e.conversationId === direct.id,
      ),
    ).toEqual([]);

    // Presence and read watermarks are hidden in queries as well.
    expect(await ben.client.presence.get.query({ userIds: [ada.id, cal.id] })).toEqual([
      expect.objectContaining({ userId: cal.id }),
    ]);
    const seenByBen = await ben.client.conversations.participants.query({
      conversationId: group.id,
    });
    expect(seenByBen.find((p) => p.user.id === ada.id)?.lastReadSeq).toBe(0);
    const status = await ada.client.messages.status.query({ messageId: adaSaid.id });
    expect(status.recipients.find((r) => r.userId === ben.id)?.status).not.toBe('read');
    expect(status.recipients.find((r) => r.userId === cal.id)?.status).toBeDefined();

    // Unblocking restores the direct chat.
    expect((await restCall(server.url, ada, 'DELETE', `/users/${ben.id}/block`)).status).toBe(200);
    await vi.waitFor(() =>
      expect(adaLaptop.durable.filter((e) => e.type === 'block.changed')).toHaveLength(2),
    );
    await ben.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'unblocked',
      text: 'friends again',
    });
    await vi.waitFor(() =>
      expect(
        adaPhone.durable.some(
          (e) => e.type === 'message.created' && e.message.text === 'friends again',
        ),
      ).toBe(true),
    );
    await ben.client.typing.set.mutate({ conversationId: direct.id, isTyping: true });
    await vi.waitFor(() =>
      expect(adaPhone.ephemeral.some((e) => e.type === 'typing' && e.userId === ben.id)).toBe(true),
    );
  });

  it('validates blocks: not yourself, not unknown users, strict input', async () => {
    await using server = await startTestServer({ dialect });
    const [ada] = await registerUsers(server, 'Ada');
    expect(await errorCode(ada.client.users.block.mutate({ userId: ada.id }))).toBe('BAD_REQUEST');
    expect(await errorCode(ada.client.users.block.mutate({ userId: 'nobody' }))).toBe('NOT_FOUND');
    expect(await errorCode(ada.client.users.unblock.mutate({ userId: 'nobody' }))).toBe(
      'NOT_FOUND',
    );
    const extra = await restCall(server.url, ada, 'POST', '/users/someone/block', { x: 1 });
    expect([400, 404]).toContain(extra.status);
  });
});

describeEachDialect('privacy settings', (dialect) => {
  it('with read receipts off, others see delivered only and the user sees no one read', async () => {
    await using server = await startTestServer({ dialect, env: fast });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ben.client.conversations.openDirect.mutate({ userId: ada.id });
    await using adaLaptop = await connectDevice(server, ada);
    await using benPhone = await connectDevice(server, ben);

    const me = await ada.client.users.updatePrivacy.mutate({ readReceipts: false });
    expect(me.privacy).toEqual({ lastSeen: 'everyone', readReceipts: false });
    expect((await ada.client.users.me.query()).privacy.readReceipts).toBe(false);
    await vi.waitFor(() =>
      expect(adaLaptop.durable.some((e) => e.type === 'privacy.updated')).toBe(true),
    );

    const fromBen = await ben.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'b1',
      text: 'did you read this?',
    });
    const read = await ada.client.conversations.markRead.mutate({ conversationId: chat.id });
    expect(read.lastReadSeq).toBe(fromBen.seq);
    expect(read.unreadCount).toBe(0);
    // Ada's other device learns the real watermark; Ben only that it was delivered.
    await vi.waitFor(() => {
      expect(adaLaptop.durable.filter((e) => e.type === 'receipt').at(-1)).toMatchObject({
        userId: ada.id,
        lastReadSeq: fromBen.seq,
      });
      expect(benPhone.durable.filter((e) => e.type === 'receipt' && e.userId === ada.id)).toEqual([
        expect.objectContaining({ lastDeliveredSeq: fromBen.seq, lastReadSeq: 0 }),
      ]);
    });
    expect((await ben.client.messages.status.query({ messageId: fromBen.id })).status).toBe(
      'delivered',
    );
    const page = await ben.client.messages.list.query({ conversationId: chat.id });
    expect(page.messages.find((m) => m.id === fromBen.id)?.status).toBe('delivered');
    const parts = await ben.client.conversations.participants.query({ conversationId: chat.id });
    expect(parts.find((p) => p.user.id === ada.id)?.lastReadSeq).toBe(0);

    // And Ada does not see Ben's reads either.
    const fromAda = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'a1',
      text: 'maybe',
    });
    await ben.client.conversations.markRead.mutate({ conversationId: chat.id });
    await vi.waitFor(() =>
      expect(adaLaptop.durable.filter((e) => e.type === 'receipt' && e.userId === ben.id)).toEqual([
        expect.objectContaining({ lastDeliveredSeq: fromAda.seq, lastReadSeq: 0 }),
      ]),
    );
    expect((await ada.client.messages.status.query({ messageId: fromAda.id })).status).toBe(
      'delivered',
    );

    // Turned back on: reads show again.
    await ada.client.users.updatePrivacy.mutate({ readReceipts: true });
    expect((await ada.client.messages.status.query({ messageId: fromAda.id })).status).toBe('read');
  });

  it('with last seen hidden, others see the user offline with no last seen', async () => {
    await using server = await startTestServer({ dialect, env: fast });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    await ben.client.conversations.openDirect.mutate({ userId: ada.id });
    await using benPhone = await connectDevice(server, ben);
    const adaPhone = await connectDevice(server, ada);
    await vi.waitFor(async () =>
      expect(await ben.client.presence.get.query({ userIds: [ada.id] })).toEqual([
        { userId: ada.id, online: true, lastSeenAt: null },
      ]),
    );
    const updated = await ada.client.users.updatePrivacy.mutate({ lastSeen: 'nobody' });
    expect(updated.privacy.lastSeen).toBe('nobody');
    await vi.waitFor(() =>
      expect(benPhone.ephemeral.filter((e) => e.type === 'presence').at(-1)).toEqual({
        type: 'presence',
        userId: ada.id,
        online: false,
        lastSeenAt: null,
      }),
    );
    expect(await ben.client.presence.get.query({ userIds: [ada.id] })).toEqual([
      { userId: ada.id, online: false, lastSeenAt: null },
    ]);
    const before = benPhone.ephemeral.length;
    await adaPhone[Symbol.asyncDispose]();
    // Ada goes offline for real: nobody is told, and the query still shows no last seen.
    await vi.waitFor(async () => {
      const row = await ada.client.presence.get.query({ userIds: [ada.id] });
      expect(row[0]?.online).toBe(false);
      expect(row[0]?.lastSeenAt).not.toBeNull();
    });
    expect(await ben.client.presence.get.query({ userIds: [ada.id] })).toEqual([
      { userId: ada.id, online: false, lastSeenAt: null },
    ]);
    expect(benPhone.ephemeral.slice(before).filter((e) => e.type === 'presence')).toEqual([]);
    // Shown again: the real last seen.
    await ada.client.users.updatePrivacy.mutate({ lastSeen: 'everyone' });
    const [shown] = await ben.client.presence.get.query({ userIds: [ada.id] });
    expect(shown?.lastSeenAt).not.toBeNull();
    expect(
      await errorCode(ada.client.users.updatePrivacy.mutate({ lastSeen: 'friends' } as never)),
    ).toBe('BAD_REQUEST');
  });
});
