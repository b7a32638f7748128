import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { registerUser, registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('direct chat over HTTP', (dialect) => {
  it('two users chat: send, page history both ways, edit, delete, react, read', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');

    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    expect(chat).toMatchObject({ type: 'direct', lastSeq: 0, unreadCount: 0 });
    expect(chat.peer?.displayName).toBe('Ben');
    // Idempotent per pair, from either side.
    const same = await ben.client.conversations.openDirect.mutate({ userId: ada.id });
    expect(same.id).toBe(chat.id);
    expect(same.peer?.displayName).toBe('Ada');

    for (let i = 1; i <= 7; i++) {
      const sender = i % 2 === 1 ? ada : ben;
      const sent = await sender.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: `m-${i}`,
        text: `message ${i}`,
      });
      expect(sent).toMatchObject({ seq: i, senderId: sender.id, status: 'sent' });
    }

    // Sending moves your own read watermark: Ben's last send was seq 6, so only 7 is unread.
    let benView = await ben.client.conversations.get.query({ conversationId: chat.id });
    expect(benView.unreadCount).toBe(1);
    expect(benView.lastMessage?.text).toBe('message 7');
    expect(
      (await ada.client.conversations.get.query({ conversationId: chat.id })).unreadCount,
    ).toBe(0);

    // Newest page, then back, then forward: oldest first in every page.
    const newest = await ben.client.messages.list.query({ conversationId: chat.id, limit: 3 });
    expect(newest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(newest.hasMore).toBe(true);
    const older = await ben.client.messages.list.query({
      conversationId: chat.id,
      before: 5,
      limit: 3,
    });
    expect(older.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    const oldest = await ben.client.messages.list.query({
      conversationId: chat.id,
      before: 2,
      limit: 3,
    });
    expect(oldest).toMatchObject({ hasMore: false });
    expect(oldest.messages.map((m) => m.seq)).toEqual([1]);
    const forward = await ben.client.messages.list.query({
      conversationId: chat.id,
      after: 3,
      limit: 3,
    });
    expect(forward.messages.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(forward.hasMore).toBe(true);

    // Reply, edit, react, delete.
    const first = oldest.messages[0]!;
    const reply = await ben.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'reply-1',
      text: 'replying',
      replyToId: first.id,
    });
    expect(reply.replyToId).toBe(first.id);
    const edited = await ada.client.messages.edit.mutate({ messageId: first.id, text: 'fixed' });
    expect(edited.text).toBe('fixed');
    expect(edited.editedAt).not.toBeNull();
    await ben.client.messages.react.mutate({ messageId: first.id, emoji: '👍' });
    await ada.client.messages.react.mutate({ messageId: first.id, emoji: '👍' });
    const reacted = await ben.client.messages.react.mutate({ messageId: first.id, emoji: '🎉' });
    expect(reacted.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [ben.id, ada.id] },
      { emoji: '🎉', count: 1, userIds: [ben.id] },
    ]);
    const unreacted = await ben.client.messages.unreact.mutate({
      messageId: first.id,
      emoji: '🎉',
    });
    expect(unreacted.reactions.map((r) => r.emoji)).toEqual(['👍']);

    const deleted = await ada.client.messages.delete.mutate({ messageId: first.id });
    expect(deleted).toMatchObject({ text: '', reactions: [] });
    expect(deleted.deletedAt).not.toBeNull();
    const tombstone = await ben.client.messages.get.query({ messageId: first.id });
    expect(tombstone).toMatchObject({ text: '', deletedAt: deleted.deletedAt });

    // Unread moves: Ada's deleted message no longer counts for Ben; his reply made him read.
    benView = await ben.client.conversations.get.query({ conversationId: chat.id });
    expect(benView.unreadCount).toBe(0);
    const adaView = await ada.client.conversations.get.query({ conversationId: chat.id });
    expect(adaView.unreadCount).toBe(1); // Ben's reply (seq 8)

    const partial = await ada.client.conversations.markRead.mutate({
      conversationId: chat.id,
      upToSeq: 7,
    });
    expect(partial).toMatchObject({ lastReadSeq: 7, unreadCount: 1 });
    const all = await ada.client.conversations.markRead.mutate({ conversationId: chat.id });
    expect(all).toMatchObject({ lastReadSeq: 8, lastDeliveredSeq: 8, unreadCount: 0 });
    // Watermarks never move back.
    const back = await ada.client.conversations.markRead.mutate({
      conversationId: chat.id,
      upToSeq: 2,
    });
    expect(back.lastReadSeq).toBe(8);

    // Ben's own message now shows as read on his side.
    const benMessage = await ben.client.messages.get.query({ messageId: reply.id });
    expect(benMessage.status).toBe('read');

    const participants = await ben.client.conversations.participants.query({
      conversationId: chat.id,
    });
    expect(participants.map((p) => [p.user.displayName, p.lastReadSeq])).toEqual([
      ['Ada', 8],
      ['Ben', 8],
    ]);

    const list = await ben.client.conversations.list.query({});
    expect(list.items.map((c) => c.id)).toEqual([chat.id]);
    expect(list.items[0]?.lastMessage?.id).toBe(reply.id);
  });

  it('lists conversations by last activity with a cursor', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const others = await registerUsers(server, 'Ben', 'Cy', 'Dee');
    const chats = [];
    for (const other of others) {
      chats.push(await ada.client.conversations.openDirect.mutate({ userId: other.id }));
    }
    // Activity in Ben's chat moves it to the top.
    await ada.client.messages.send.mutate({
      conversationId: chats[0]!.id,
      clientMessageId: 'bump',
      text: 'hi Ben',
    });
    const page1 = await ada.client.conversations.list.query({ limit: 2 });
    expect(page1.items.map((c) => c.peer?.displayName)).toEqual(['Ben', 'Dee']);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await ada.client.conversations.list.query({ limit: 2, cursor: page1.nextCursor });
    expect(page2.items.map((c) => c.peer?.displayName)).toEqual(['Cy']);
    expect(page2.nextCursor).toBeNull();
  });

  it('keeps one chat per pair and context', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const listing = { type: 'listing', id: 'house-42' };
    const plain = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const about = await ada.client.conversations.openDirect.mutate({
      userId: ben.id,
      context: listing,
    });
    const again = await ben.client.conversations.openDirect.mutate({
      userId: ada.id,
      context: listing,
    });
    expect(about.id).not.toBe(plain.id);
    expect(again.id).toBe(about.id);
    expect(about).toMatchObject({ contextType: 'listing', contextId: 'house-42' });
    // Concurrent opens of a new pair still produce one conversation.
    const cy = await registerUser(server, 'Cy');
    const opened = await Promise.all(
      Array.from({ length: 5 }, () =>
        cy.client.conversations.openDirect.mutate({ userId: ada.id }),
      ),
    );
    expect(new Set(opened.map((c) => c.id)).size).toBe(1);
  });
});
