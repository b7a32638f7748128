import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { signedUpClient } from './helpers/sdk.ts';

describe('mentions, threads, pins and forwarding through the SDK', () => {
  it('sends mentions and thread replies from the outbox, and hears pin and thread events', async () => {
    await using server = await startTestServer();
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const benId = ben.parley.session!.user.id;
    const chat = await ada.parley.conversations.openDirect({ userId: benId });
    const root = ada.parley.messages.send({
      conversationId: chat.id,
      text: 'hi @Ben',
      mentions: [{ userId: benId, start: 3, length: 4 }],
    });
    expect(root.mentions).toEqual([{ userId: benId, start: 3, length: 4 }]);
    const stored = await root.sent;
    await vi.waitFor(() =>
      expect(ben.messages().at(-1)).toMatchObject({ id: stored.id, mentions: stored.mentions }),
    );
    expect(
      (await ben.parley.conversations.get({ conversationId: chat.id })).unreadMentionCount,
    ).toBe(1);

    const reply = ben.parley.messages.send({
      conversationId: chat.id,
      text: 'in the thread',
      threadRootId: stored.id,
    });
    expect(reply.threadRootId).toBe(stored.id);
    await reply.sent;
    await vi.waitFor(() =>
      expect(ada.events.thread).toMatchObject([
        { type: 'thread.updated', rootId: stored.id, thread: { replyCount: 1 } },
      ]),
    );

    await ben.parley.messages.pin({ messageId: stored.id });
    await vi.waitFor(() =>
      expect(ada.events.pin).toMatchObject([{ type: 'message.pinned', messageId: stored.id }]),
    );
    const { messages } = await ada.parley.messages.forward({
      messageId: stored.id,
      conversationIds: [chat.id],
      clientMessageId: 'fw',
    });
    expect(messages[0]).toMatchObject({ forwarded: true, text: 'hi @Ben', mentions: [] });
    const around = await ben.parley.messages.list({
      conversationId: chat.id,
      aroundMessageId: stored.id,
    });
    expect(around.messages.map((m) => m.id)).toContain(stored.id);
  });
});
