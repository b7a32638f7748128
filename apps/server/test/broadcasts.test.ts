import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('broadcast lists', (dialect) => {
  it('fans out into each direct chat; recipients never see each other; the sender sees receipts', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, dee] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dee');
    // Ben already chats with Ada; Cy and Dee do not yet.
    const benChat = await ben.client.conversations.openDirect.mutate({ userId: ada.id });
    const list = await ada.client.broadcasts.create.mutate({
      name: 'Neighbours',
      recipientIds: [ben.id, cy.id, dee.id],
    });
    await using adaPhone = await connectDevice(server, ada);
    await using benPhone = await connectDevice(server, ben);
    await using cyPhone = await connectDevice(server, cy);

    const sent = await ada.client.broadcasts.send.mutate({
      broadcastId: list.id,
      clientMessageId: 'party',
      text: 'Party on Saturday!',
    });
    expect(sent).toMatchObject({
      broadcastId: list.id,
      clientMessageId: 'party',
      text: 'Party on Saturday!',
      deliveredCount: 0,
      readCount: 0,
    });
    const byUser = new Map(sent.recipients.map((r) => [r.userId, r]));
    expect([...byUser.keys()].sort()).toEqual([ben.id, cy.id, dee.id].sort());
    expect(byUser.get(ben.id)).toMatchObject({
      conversationId: benChat.id,
      seq: 1,
      status: 'sent',
    });

    // Each recipient: an ordinary message from Ada in their direct chat with her.
    await vi.waitFor(() => {
      expect(benPhone.durable.map((e) => e.type)).toEqual(['message.created']);
      expect(cyPhone.durable.map((e) => e.type)).toEqual([
        'conversation.created',
        'message.created',
      ]);
    });
    expect(benPhone.durable[0]).toMatchObject({
      conversationId: benChat.id,
      message: { senderId: ada.id, kind: 'text', text: 'Party on Saturday!' },
    });
    const cyChat = byUser.get(cy.id)!.conversationId;
    const cyView = await cy.client.conversations.get.query({ conversationId: cyChat });
    expect(cyView).toMatchObject({ type: 'direct', unreadCount: 1 });
    expect(cyView.peer?.id).toBe(ada.id);
    // Nobody learns who else got it: not in events, not in the chat, not in the message.
    for (const [device, others] of [
      [benPhone, [cy.id, dee.id]],
      [cyPhone, [ben.id, dee.id]],
    ] as const) {
      const wire = JSON.stringify(device.durable);
      for (const other of others) expect(wire).not.toContain(other);
    }
    const cyParticipants = await cy.client.conversations.participants.query({
      conversationId: cyChat,
    });
    expect(cyParticipants.map((p) => p.user.id).sort()).toEqual([ada.id, cy.id].sort());
    expect(
      await errorCode(
        ben.client.broadcasts.status.query({ broadcastId: list.id, sendId: sent.id }),
      ),
    ).toBe('NOT_FOUND');

    // Receipts: Ben's device acknowledges delivery, Cy reads; Dee has no device yet.
    await ben.client.conversations.markDelivered.mutate({ conversationId: benChat.id });
    await cy.client.conversations.markRead.mutate({ conversationId: cyChat });
    const status = await ada.client.broadcasts.status.query({
      broadcastId: list.id,
      sendId: sent.id,
    });
    expect(Object.fromEntries(status.recipients.map((r) => [r.userId, r.status]))).toEqual({
      [ben.id]: 'delivered',
      [cy.id]: 'read',
      [dee.id]: 'sent',
    });
    expect(status).toMatchObject({ deliveredCount: 2, readCount: 1 });
    // Ada's own devices saw her three messages and both receipts live.
    await vi.waitFor(() => {
      const receipts = adaPhone.durable.filter((e) => e.type === 'receipt');
      expect(receipts.map((r) => r.userId).sort()).toEqual([ben.id, cy.id].sort());
    });
    expect(adaPhone.durable.filter((e) => e.type === 'message.created')).toHaveLength(3);
    // And each copy is an ordinary message of Ada's, with its own status.
    const deeCopy = await ada.client.messages.status.query({
      messageId: byUser.get(dee.id)!.messageId,
    });
    expect(deeCopy.recipients).toEqual([
      { userId: dee.id, status: 'sent', deliveredAt: null, readAt: null },
    ]);
  });

  it('is idempotent per clientMessageId and costs one rate-limit point per broadcast', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '2' } });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const list = await ada.client.broadcasts.create.mutate({
      name: 'L',
      recipientIds: [ben.id, cy.id],
    });
    const send = (clientMessageId: string, broadcastId = list.id) =>
      ada.client.broadcasts.send.mutate({ broadcastId, clientMessageId, text: clientMessageId });

    const first = await send('b1');
    // Retries, sequential and concurrent, return the stored send and cost nothing.
    const retries = await Promise.all([send('b1'), send('b1'), send('b1')]);
    for (const retry of [await send('b1'), ...retries]) {
      expect(retry.id).toBe(first.id);
      expect(retry.recipients.map((r) => r.messageId)).toEqual(
        first.recipients.map((r) => r.messageId),
      );
    }
    const benChat = first.recipients.find((r) => r.userId === ben.id)!.conversationId;
    const history = await ben.client.messages.list.query({ conversationId: benChat });
    expect(history.messages.map((m) => m.text)).toEqual(['b1']);
    // Each copy is idempotent on its own, with an id derived from the sender's one.
    expect(history.messages[0]!.clientMessageId).toBe(`broadcast:b1:${ben.id}`);

    // Two recipients, still one point: the second broadcast fits, the third does not.
    await send('b2');
    expect(await errorCode(send('b3'))).toBe('TOO_MANY_REQUESTS');
    expect((await send('b2')).text).toBe('b2');
    // The same clientMessageId on another list is a client bug, not a retry.
    const other = await ada.client.broadcasts.create.mutate({ name: 'O', recipientIds: [cy.id] });
    expect(await errorCode(send('b1', other.id))).toBe('CONFLICT');
  });

  it('creates, lists, updates and deletes lists; only the owner ever sees one', async () => {
    await using server = await startTestServer({
      dialect,
      env: { BROADCAST_MAX_RECIPIENTS: '2' },
    });
    const [ada, ben, cy, dee] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dee');
    const create = (name: string, recipientIds: string[]) =>
      ada.client.broadcasts.create.mutate({ name, recipientIds });
    expect(await errorCode(create('Too many', [ben.id, cy.id, dee.id]))).toBe('BAD_REQUEST');
    expect(await errorCode(create('Only me', [ada.id]))).toBe('BAD_REQUEST');
    expect(await errorCode(create('Ghost', ['no-such-user']))).toBe('NOT_FOUND');
    expect(await errorCode(create(' ', [ben.id]))).toBe('BAD_REQUEST');

    // Duplicates and the owner are dropped.
    const first = await create('First', [ben.id, ben.id, ada.id]);
    expect(first).toMatchObject({ name: 'First', recipientIds: [ben.id] });
    const second = await create('Second', [cy.id]);
    const third = await create('Third', [dee.id]);
    const page1 = await ada.client.broadcasts.list.query({ limit: 2 });
    expect(page1.items.map((l) => l.name)).toEqual(['Third', 'Second']);
    const page2 = await ada.client.broadcasts.list.query({ limit: 2, cursor: page1.nextCursor });
    expect(page2).toEqual({ items: [first], nextCursor: null });

    const updated = await ada.client.broadcasts.update.mutate({
      broadcastId: first.id,
      name: 'Renamed',
      recipientIds: [cy.id, dee.id],
    });
    expect(updated).toMatchObject({ name: 'Renamed', recipientIds: [cy.id, dee.id].sort() });
    expect(
      await errorCode(
        ada.client.broadcasts.update.mutate({
          broadcastId: first.id,
          recipientIds: [ben.id, cy.id, dee.id],
        }),
      ),
    ).toBe('BAD_REQUEST');
    const sent = await ada.client.broadcasts.send.mutate({
      broadcastId: first.id,
      clientMessageId: 's',
      text: 'to the new recipients',
    });
    expect(sent.recipients.map((r) => r.userId).sort()).toEqual([cy.id, dee.id].sort());

    // Nobody else sees, changes, uses or deletes it.
    const broadcastId = first.id;
    const attempts = [
      () => ben.client.broadcasts.update.mutate({ broadcastId, name: 'Mine now' }),
      () => ben.client.broadcasts.delete.mutate({ broadcastId }),
      () => ben.client.broadcasts.send.mutate({ broadcastId, clientMessageId: 'x', text: 'x' }),
      () => ben.client.broadcasts.status.query({ broadcastId, sendId: sent.id }),
    ];
    for (const attempt of attempts) expect(await errorCode(attempt())).toBe('NOT_FOUND');
    expect((await ben.client.broadcasts.list.query({})).items).toEqual([]);

    // Deleting the list keeps the messages it sent.
    await ada.client.broadcasts.delete.mutate({ broadcastId });
    expect((await ada.client.broadcasts.list.query({})).items.map((l) => l.id)).toEqual([
      third.id,
      second.id,
    ]);
    expect(
      await errorCode(ada.client.broadcasts.status.query({ broadcastId, sendId: sent.id })),
    ).toBe('NOT_FOUND');
    const cyCopy = sent.recipients.find((r) => r.userId === cy.id)!;
    const kept = await cy.client.messages.get.query({ messageId: cyCopy.messageId });
    expect(kept.text).toBe('to the new recipients');
  });

  it('gives no copy to a recipient in a block with the sender, either way, and opens no chat', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, dee] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dee');
    const list = await ada.client.broadcasts.create.mutate({
      name: 'Friends',
      recipientIds: [ben.id, cy.id, dee.id],
    });
    // Cy blocked Ada; Ada blocked Dee. Only Ben can receive her broadcast.
    await cy.client.users.block.mutate({ userId: ada.id });
    await ada.client.users.block.mutate({ userId: dee.id });
    await using cyPhone = await connectDevice(server, cy);
    await using benPhone = await connectDevice(server, ben);

    const sent = await ada.client.broadcasts.send.mutate({
      broadcastId: list.id,
      clientMessageId: 'b1',
      text: 'hello friends',
    });
    expect(sent.recipients.map((r) => r.userId)).toEqual([ben.id]);
    await vi.waitFor(() =>
      expect(benPhone.durable.map((e) => e.type)).toEqual([
        'conversation.created',
        'message.created',
      ]),
    );
    // Cy and Dee: no chat with Ada, no message, nothing live.
    for (const user of [cy, dee]) {
      const chats = await user.client.conversations.list.query({});
      expect(chats.items).toEqual([]);
    }
    expect(cyPhone.durable).toEqual([]);
    // A retry answers the same send.
    const retry = await ada.client.broadcasts.send.mutate({
      broadcastId: list.id,
      clientMessageId: 'b1',
      text: 'hello friends',
    });
    expect(retry.id).toBe(sent.id);

    // When nobody on the list can receive it, the send is refused as a direct send would be,
    // and nothing is stored.
    await ada.client.users.block.mutate({ userId: ben.id });
    const refused = ada.client.broadcasts.send.mutate({
      broadcastId: list.id,
      clientMessageId: 'b2',
      text: 'anyone?',
    });
    expect(await errorCode(refused)).toBe('FORBIDDEN');
    await ada.client.users.unblock.mutate({ userId: ben.id });
    const after = await ada.client.broadcasts.send.mutate({
      broadcastId: list.id,
      clientMessageId: 'b2',
      text: 'anyone?',
    });
    expect(after.recipients.map((r) => r.userId)).toEqual([ben.id]);
    const history = await ben.client.messages.list.query({
      conversationId: after.recipients[0]!.conversationId,
    });
    expect(history.messages.map((m) => m.text)).toEqual(['hello friends', 'anyone?']);
  });
});
