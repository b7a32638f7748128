import type { MessageDto, StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { authHeader } from './helpers/files.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const threadEvents = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === 'thread.updated' ? [e] : []));

describeEachDialect('threads', (dialect) => {
  it('replies in a thread: root summary, paging, channel visibility, read state, live and on resume', {
    timeout: 60_000,
  }, async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const group = await ada.client.groups.create.mutate({ name: 'Trip', userIds: [ben.id, cy.id] });
    await using adaPhone = await connectDevice(server, ada);
    const cyHead = (await cy.client.events.head.query()).lastEventId ?? '';
    const root = await ada.client.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: 'root',
      text: 'Where do we meet?',
    });
    const reply = (user: typeof ada, id: string, alsoSendToConversation = false) =>
      user.client.messages.send.mutate({
        conversationId: group.id,
        clientMessageId: id,
        text: id,
        threadRootId: root.id,
        alsoSendToConversation,
      });
    const r1 = await reply(ben, 'r1');
    expect(r1).toMatchObject({ threadRootId: root.id, inChannel: false });
    await reply(cy, 'r2');
    const r3 = await reply(ben, 'r3', true);
    expect(r3.inChannel).toBe(true);

    // The channel shows the root and the reply sent to it, not the thread-only replies.
    const history = await ada.client.messages.list.query({ conversationId: group.id });
    const texts = history.messages.filter((m) => m.kind === 'text').map((m) => m.text);
    expect(texts).toEqual(['Where do we meet?', 'r3']);
    const adaView = await ada.client.conversations.get.query({ conversationId: group.id });
    expect(adaView.unreadCount).toBe(1);
    expect(adaView.lastMessage?.text).toBe('r3');

    // The root carries the summary.
    const rootNow = await ada.client.messages.get.query({ messageId: root.id });
    expect(rootNow.thread).toEqual({
      replyCount: 3,
      lastReplyAt: r3.createdAt,
      lastReplySeq: r3.seq,
      participantIds: [ben.id, cy.id],
    });

    // Paging the thread, and the caller's unread replies.
    const page1 = await ada.client.messages.thread.query({ messageId: root.id, limit: 2 });
    expect(page1.root.id).toBe(root.id);
    expect(page1.replies.map((m) => m.text)).toEqual(['r1', 'r2']);
    expect(page1).toMatchObject({ hasMore: true, unreadCount: 3, lastReadSeq: 0 });
    const page2 = await ada.client.messages.thread.query({
      messageId: r1.id,
      after: page1.replies.at(-1)!.seq,
    });
    expect(page2.replies.map((m) => m.text)).toEqual(['r3']);
    expect(page2.hasMore).toBe(false);
    const read = await ada.client.messages.readThread.mutate({
      messageId: root.id,
      upToSeq: r1.seq,
    });
    expect(read).toEqual({ rootId: root.id, lastReadSeq: r1.seq, unreadCount: 2 });
    expect((await ada.client.messages.readThread.mutate({ messageId: root.id })).unreadCount).toBe(
      0,
    );

    // Live: thread.updated after each reply, thread.read on the reader's own devices.
    await vi.waitFor(() => expect(threadEvents(adaPhone.durable)).toHaveLength(3));
    expect(threadEvents(adaPhone.durable).at(-1)).toMatchObject({
      rootId: root.id,
      thread: { replyCount: 3, participantIds: [ben.id, cy.id] },
    });
    await vi.waitFor(() =>
      expect(adaPhone.durable.filter((e) => e.type === 'thread.read')).toHaveLength(2),
    );

    // Resume: Cy replays the replies and summaries, but not Ada's read marks.
    await using cyLater = await connectDevice(server, cy, cyHead);
    await vi.waitFor(() => expect(threadEvents(cyLater.durable)).toHaveLength(3));
    expect(cyLater.durable.some((e) => e.type === 'thread.read')).toBe(false);

    // Strangers see nothing; a reply cannot open a thread of its own.
    expect(await errorCode(eve.client.messages.thread.query({ messageId: root.id }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await errorCode(
        eve.client.messages.send.mutate({
          conversationId: group.id,
          clientMessageId: 'e',
          text: 'x',
          threadRootId: root.id,
        }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await errorCode(
        ben.client.messages.send.mutate({
          conversationId: group.id,
          clientMessageId: 'nested',
          text: 'x',
          threadRootId: r1.id,
        }),
      ),
    ).toBe('BAD_REQUEST');

    // REST path.
    const res = await fetch(`${server.url}/api/v1/messages/${root.id}/thread?limit=1`, {
      headers: authHeader(ben),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { replies: { text: string }[]; hasMore: boolean };
    expect(body).toMatchObject({ replies: [{ text: 'r1' }], hasMore: true });
  });
});

describeEachDialect('jump to a message', (dialect) => {
  it('pages around a seq or a message id; search hits carry the seq', {
    timeout: 60_000,
  }, async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const sent: MessageDto[] = [];
    for (let i = 1; i <= 30; i++) {
      sent.push(
        await ada.client.messages.send.mutate({
          conversationId: chat.id,
          clientMessageId: `m${i}`,
          text: i === 12 ? 'the needle' : `hay ${i}`,
        }),
      );
    }
    const hits = await ben.client.messages.search.query({ q: 'needle' });
    expect(hits.items).toHaveLength(1);
    const hit = hits.items[0]!;
    expect(hit.seq).toBe(sent[11]!.seq);

    const byId = await ben.client.messages.list.query({
      conversationId: chat.id,
      aroundMessageId: hit.id,
      limit: 6,
    });
    expect(byId.messages.map((m) => m.seq)).toEqual(
      [10, 11, 12, 13, 14, 15].map((i) => sent[i - 1]!.seq),
    );
    expect(byId).toMatchObject({ hasMore: true, hasMoreAfter: true });

    // Near the end: the page fills with what there is.
    const nearEnd = await ben.client.messages.list.query({
      conversationId: chat.id,
      around: sent[29]!.seq,
      limit: 6,
    });
    expect(nearEnd.messages.map((m) => m.text)).toEqual(['hay 28', 'hay 29', 'hay 30']);
    expect(nearEnd).toMatchObject({ hasMore: true, hasMoreAfter: false });

    // Over REST with `around`.
    const res = await fetch(
      `${server.url}/api/v1/conversations/${chat.id}/messages?around=${hit.seq}&limit=3`,
      { headers: authHeader(ben) },
    );
    const body = (await res.json()) as { messages: { text: string }[] };
    expect(body.messages.map((m) => m.text)).toEqual(['hay 11', 'the needle', 'hay 13']);

    // A stranger cannot jump into the chat, even with the message id.
    expect(
      await errorCode(
        eve.client.messages.list.query({ conversationId: chat.id, aroundMessageId: hit.id }),
      ),
    ).toBe('NOT_FOUND');
    const evesChat = await eve.client.conversations.openDirect.mutate({ userId: ben.id });
    expect(
      await errorCode(
        ben.client.messages.list.query({ conversationId: evesChat.id, aroundMessageId: hit.id }),
      ),
    ).toBe('NOT_FOUND');
  });
});
