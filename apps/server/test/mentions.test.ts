import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { fastNotify, WEBHOOK_SECRET } from './helpers/notify.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';
import { startWebhookReceiver } from './helpers/webhook-receiver.ts';

const created = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === 'message.created' ? [e.message] : []));

describeEachDialect('mentions', (dialect) => {
  it('stores ranges, counts unread mentions until read, updates them on edit, live and on resume', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const group = await ada.client.groups.create.mutate({ name: 'Trip', userIds: [ben.id, cy.id] });
    await using benPhone = await connectDevice(server, ben);
    const cyHead = (await cy.client.events.head.query()).lastEventId ?? '';

    const sent = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'm1',
      text: 'hi @Ben and @Cy',
      mentions: [
        { userId: cy.id, start: 12, length: 3 },
        { userId: ben.id, start: 3, length: 4 },
      ],
    });
    // Stored sorted by start.
    expect(sent.mentions).toEqual([
      { userId: ben.id, start: 3, length: 4 },
      { userId: cy.id, start: 12, length: 3 },
    ]);
    await vi.waitFor(() =>
      expect(created(benPhone.durable).at(-1)).toMatchObject({
        id: sent.id,
        mentions: sent.mentions,
      }),
    );
    // A plain message counts as unread but not as a mention.
    await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'm2',
      text: 'x',
    });
    const benView = await ben.client.conversations.get.query({ conversationId: group.id });
    expect(benView).toMatchObject({ unreadCount: 2, unreadMentionCount: 1 });
    expect(
      (await ada.client.conversations.get.query({ conversationId: group.id })).unreadMentionCount,
    ).toBe(0);

    // Reading clears it.
    const read = await ben.client.conversations.markRead.mutate({ conversationId: group.id });
    expect(read).toMatchObject({ unreadCount: 0, unreadMentionCount: 0 });

    // An edit restates the mentions: Cy is no longer mentioned, and the index follows.
    const edited = await ada.client.messages.edit.mutate({
      messageId: sent.id,
      text: 'hi @Ben',
      mentions: [{ userId: ben.id, start: 3, length: 4 }],
    });
    expect(edited.mentions).toEqual([{ userId: ben.id, start: 3, length: 4 }]);
    expect(
      (await cy.client.conversations.get.query({ conversationId: group.id })).unreadMentionCount,
    ).toBe(0);
    await vi.waitFor(() =>
      expect(benPhone.durable.find((e) => e.type === 'message.edited')).toMatchObject({
        message: { mentions: [{ userId: ben.id, start: 3, length: 4 }] },
      }),
    );

    // Cy was offline the whole time: the resume replays the mention and its edit.
    await using cyPhone = await connectDevice(server, cy, cyHead);
    await vi.waitFor(() =>
      expect(cyPhone.durable.map((e) => e.type)).toEqual(
        expect.arrayContaining(['message.created', 'message.edited']),
      ),
    );
    expect(created(cyPhone.durable)[0]!.mentions).toHaveLength(2);
    expect(cyPhone.durable.find((e) => e.type === 'message.edited')).toMatchObject({
      message: { mentions: [{ userId: ben.id }] },
    });
  });

  it('refuses unknown users, ranges outside the text, overlaps; @everyone for group admins only', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const group = await ada.client.groups.create.mutate({ name: 'Trip', userIds: [ben.id, cy.id] });
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    let n = 0;
    const send = (
      user: typeof ada,
      conversationId: string,
      text: string,
      mentions: { userId: string; start: number; length: number }[],
    ) =>
      user.client.messages.send.mutate({
        conversationId,
        clientMessageId: `bad${++n}`,
        text,
        mentions,
      });
    // Eve is no member; a made-up id neither.
    expect(
      await errorCode(send(ada, group.id, '@Eve', [{ userId: eve.id, start: 0, length: 4 }])),
    ).toBe('BAD_REQUEST');
    expect(
      await errorCode(send(ada, group.id, '@x', [{ userId: 'nobody', start: 0, length: 2 }])),
    ).toBe('BAD_REQUEST');
    expect(
      await errorCode(send(ada, group.id, '@Ben', [{ userId: ben.id, start: 2, length: 4 }])),
    ).toBe('BAD_REQUEST');
    expect(
      await errorCode(
        send(ada, group.id, '@Ben @Cy', [
          { userId: ben.id, start: 0, length: 4 },
          { userId: cy.id, start: 3, length: 3 },
        ]),
      ),
    ).toBe('BAD_REQUEST');
    // A stranger's send with mentions is NOT_FOUND, like any send.
    expect(
      await errorCode(send(eve, group.id, '@Ben', [{ userId: ben.id, start: 0, length: 4 }])),
    ).toBe('NOT_FOUND');
    // An edit is checked the same way.
    const ok = await send(ada, group.id, '@Ben', [{ userId: ben.id, start: 0, length: 4 }]);
    expect(
      await errorCode(
        ada.client.messages.edit.mutate({
          messageId: ok.id,
          text: '@Eve',
          mentions: [{ userId: eve.id, start: 0, length: 4 }],
        }),
      ),
    ).toBe('BAD_REQUEST');

    // @everyone: members are refused, admins counted for every member, direct chats refused.
    const everyone = [{ userId: 'everyone', start: 0, length: 9 }];
    expect(await errorCode(send(ben, group.id, '@everyone', everyone))).toBe('FORBIDDEN');
    expect(await errorCode(send(ada, direct.id, '@everyone', everyone))).toBe('BAD_REQUEST');
    await send(ada, group.id, '@everyone', everyone);
    for (const user of [ben, cy]) {
      const view = await user.client.conversations.get.query({ conversationId: group.id });
      expect(view.unreadMentionCount).toBe(user === ben ? 2 : 1);
    }
    // Nothing refused was stored.
    const history = await ada.client.messages.list.query({ conversationId: group.id });
    expect(history.messages.filter((m) => m.kind === 'text').map((m) => m.text)).toEqual([
      '@Ben',
      '@everyone',
    ]);
  });

  it('notifies a mentioned member offline even when the conversation is muted', async () => {
    await using receiver = await startWebhookReceiver(WEBHOOK_SECRET);
    await using server = await startTestServer({
      dialect,
      env: { WEBHOOK_URL: receiver.url, WEBHOOK_SECRET, ...fastNotify },
    });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const group = await ada.client.groups.create.mutate({ name: 'Trip', userIds: [ben.id, cy.id] });
    for (const user of [ben, cy]) {
      await user.client.conversations.mute.mutate({ conversationId: group.id });
    }
    await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'plain',
      text: 'nobody is told',
    });
    const mention = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'mention',
      text: 'look @Ben',
      mentions: [{ userId: ben.id, start: 5, length: 4 }],
    });
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(1));
    expect(receiver.accepted[0]!.notification).toMatchObject({
      userId: ben.id,
      messageId: mention.id,
    });
    // @everyone reaches everyone through the mute.
    const all = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'all',
      text: '@everyone',
      mentions: [{ userId: 'everyone', start: 0, length: 9 }],
    });
    await vi.waitFor(() => expect(receiver.accepted).toHaveLength(3));
    expect(
      receiver.accepted
        .slice(1)
        .map((d) => [d.notification.userId, d.notification.messageId])
        .sort(),
    ).toEqual(
      [
        [ben.id, all.id],
        [cy.id, all.id],
      ].sort(),
    );
  });
});
