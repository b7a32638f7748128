import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerUsers } from './helpers/clients.ts';
import { connectDevice, type Device } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const typingOf = (device: Device) => device.ephemeral.filter((e) => e.type === 'typing');

describeEachDialect('groups in real time', (dialect) => {
  it('typing, presence, unread counts and receipts work in a group as in a direct chat', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id, cy.id] });
    const conversationId = group.id;
    await using adaPhone = await connectDevice(server, ada);
    await using benPhone = await connectDevice(server, ben);
    await using cyPhone = await connectDevice(server, cy);
    await using evePhone = await connectDevice(server, eve);

    // Typing reaches every other member, not the typer, not strangers.
    await ben.client.typing.set.mutate({ conversationId, isTyping: true });
    const typing = { type: 'typing', conversationId, userId: ben.id, isTyping: true };
    await vi.waitFor(() => {
      expect(typingOf(adaPhone)).toEqual([typing]);
      expect(typingOf(cyPhone)).toEqual([typing]);
    });
    // Presence: group members are each other's contacts.
    const online = await ada.client.presence.get.query({ userIds: [ben.id, cy.id, eve.id] });
    expect(online.map((p) => [p.userId, p.online]).sort()).toEqual(
      [
        [ben.id, true],
        [cy.id, true],
      ].sort(),
    );

    // Two texts from Ada; the system message that opened the group is not unread.
    const m1 = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: '1',
      text: 'one',
    });
    const m2 = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: '2',
      text: 'two',
    });
    expect(m2).toMatchObject({ seq: 3, status: 'sent' });
    for (const user of [ben, cy]) {
      const view = await user.client.conversations.get.query({ conversationId });
      expect(view.unreadCount).toBe(2);
      expect(view.lastMessage?.id).toBe(m2.id);
    }
    // Ben's message stops his typing for the others.
    const m3 = await ben.client.messages.send.mutate({
      conversationId,
      clientMessageId: '3',
      text: 'three',
    });
    await vi.waitFor(() => expect(typingOf(cyPhone).at(-1)).toMatchObject({ isTyping: false }));
    expect((await ada.client.conversations.get.query({ conversationId })).unreadCount).toBe(1);

    // Who has read Ada's message: Ben (his send moved his watermark), Cy only got it.
    await cy.client.conversations.markDelivered.mutate({ conversationId, upToSeq: m2.seq });
    expect(await ada.client.messages.status.query({ messageId: m1.id })).toEqual({
      messageId: m1.id,
      seq: m1.seq,
      status: 'delivered',
      readCount: 1,
      recipients: [
        { userId: ben.id, status: 'read', deliveredAt: m3.createdAt, readAt: m3.createdAt },
        { userId: cy.id, status: 'delivered', deliveredAt: expect.any(String), readAt: null },
      ].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    });
    await cy.client.conversations.markRead.mutate({ conversationId });
    expect((await ada.client.messages.status.query({ messageId: m2.id })).status).toBe('read');
    expect((await cy.client.conversations.get.query({ conversationId })).unreadCount).toBe(0);
    // Every member's devices hear the receipts live.
    await vi.waitFor(() => {
      for (const device of [adaPhone, benPhone]) {
        expect(device.durable.filter((e) => e.type === 'receipt').at(-1)).toMatchObject({
          userId: cy.id,
          lastReadSeq: 4,
        });
      }
    });
    const participants = await ben.client.conversations.participants.query({ conversationId });
    expect(Object.fromEntries(participants.map((p) => [p.user.id, p.lastReadSeq]))).toEqual({
      [ada.id]: 3,
      [ben.id]: 4,
      [cy.id]: 4,
    });
    expect(evePhone.durable).toEqual([]);
    expect(typingOf(evePhone)).toEqual([]);
  });
});
