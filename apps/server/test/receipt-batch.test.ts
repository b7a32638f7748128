import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import {
  errorCode,
  refreshTokens,
  registerUser,
  type TestUser,
  wsClient,
} from './helpers/clients.ts';
import { connectDevice, type Device } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/** These tests send more than a person would. */
const LOAD = { SEND_RATE_LIMIT: '100000' };

/** Another device of `user`: its own WebSocket, so its acks arrive beside the first one's. */
function deviceSocket(server: TestServer, user: TestUser) {
  return wsClient(server, () => user.auth.accessToken);
}

function receiptsOf(device: Device, userId: string) {
  return device.durable.flatMap((e: StreamEvent) =>
    e.type === 'receipt' && e.userId === userId ? [e] : [],
  );
}

describeEachDialect('receipts written in batches', (dialect) => {
  it('never moves a watermark backwards when two devices ack and read out of order at once', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using adaSocket = deviceSocket(server, ada);
    for (let i = 1; i <= 30; i++) {
      await adaSocket.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: `m${i}`,
        text: `m${i}`,
      });
    }
    await using adaDevice = await connectDevice(server, ada);
    await using phone = deviceSocket(server, ben);
    await using laptop = deviceSocket(server, ben);
    // Each device acks every seq, one in order and one backwards, and reads some: all at once.
    const acks = [];
    for (let seq = 1; seq <= 30; seq++) {
      acks.push(
        phone.client.conversations.markDelivered.mutate({ conversationId: chat.id, upToSeq: seq }),
        laptop.client.conversations.markDelivered.mutate({
          conversationId: chat.id,
          upToSeq: 31 - seq,
        }),
      );
      if (seq % 7 === 0) {
        acks.push(
          (seq % 2 ? phone : laptop).client.conversations.markRead.mutate({
            conversationId: chat.id,
            upToSeq: seq,
          }),
        );
      }
    }
    const answers = await Promise.all(acks);
    for (const answer of answers) {
      expect(answer.lastDeliveredSeq).toBeGreaterThanOrEqual(answer.lastReadSeq);
    }
    const [me] = (
      await ben.client.conversations.participants.query({
        conversationId: chat.id,
      })
    ).filter((p) => p.user.id === ben.id);
    expect(me).toMatchObject({ lastDeliveredSeq: 30, lastReadSeq: 28 });
    // What Ada hears only ever moves forward, and ends where the stored watermarks are.
    await vi.waitFor(() =>
      expect(receiptsOf(adaDevice, ben.id).at(-1)).toMatchObject({
        lastDeliveredSeq: 30,
        lastReadSeq: 28,
      }),
    );
    const heard = receiptsOf(adaDevice, ben.id);
    for (const [i, receipt] of heard.entries()) {
      if (i === 0) continue;
      expect(receipt.lastDeliveredSeq).toBeGreaterThanOrEqual(heard[i - 1]!.lastDeliveredSeq);
      expect(receipt.lastReadSeq).toBeGreaterThanOrEqual(heard[i - 1]!.lastReadSeq);
    }
    // A later ack below the watermark changes nothing and says where it stands.
    const late = await phone.client.conversations.markDelivered.mutate({
      conversationId: chat.id,
      upToSeq: 3,
    });
    expect(late).toMatchObject({ lastDeliveredSeq: 30, lastReadSeq: 28, unreadCount: 2 });
  });

  it('fails only the receipt that is not allowed, and still clears "marked unread" in a batch', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const cy = await registerUser(server, 'Cy');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const notBens = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'a',
      text: 'a',
    });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'b',
      text: 'b',
    });
    await ben.client.conversations.markUnread.mutate({ conversationId: chat.id });
    await using socket = deviceSocket(server, ben);
    const answers = await Promise.allSettled([
      socket.client.conversations.markDelivered.mutate({ conversationId: chat.id, upToSeq: 1 }),
      socket.client.conversations.markRead.mutate({ conversationId: notBens.id }),
      socket.client.conversations.markRead.mutate({ conversationId: chat.id }),
    ]);
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await errorCode(Promise.reject((answers[1] as PromiseRejectedResult).reason))).toBe(
      'NOT_FOUND',
    );
    expect((answers[2] as PromiseFulfilledResult<{ lastReadSeq: number }>).value).toMatchObject({
      lastReadSeq: 2,
      lastDeliveredSeq: 2,
      unreadCount: 0,
    });
    const view = await ben.client.conversations.get.query({ conversationId: chat.id });
    expect(view).toMatchObject({ unreadCount: 0, markedUnread: false });
  });
  it('answers each ack with the unread count as it stands while messages arrive, are deleted and expire', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const conversationId = chat.id;
    const sent: { id: string }[] = [];
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const text = `a${sent.length + 1}`;
        sent.push(
          await ada.client.messages.send.mutate({ conversationId, clientMessageId: text, text }),
        );
      }
    };
    const ack = async () => {
      const { lastSeq } = await ben.client.conversations.get.query({ conversationId });
      const answer = await ben.client.conversations.markDelivered.mutate({
        conversationId,
        upToSeq: lastSeq,
      });
      // The conversation list counts the same.
      const view = await ben.client.conversations.get.query({ conversationId });
      expect(view.unreadCount).toBe(answer.unreadCount);
      return answer.unreadCount;
    };

    await send(4);
    expect(await ack()).toBe(4);
    await send(2); // counted on top of the 4 counted before
    expect(await ack()).toBe(6);
    expect(await ack()).toBe(6);
    await ada.client.messages.edit.mutate({ messageId: sent[0]!.id, text: 'a1 edited' });
    expect(await ack()).toBe(6);
    await ada.client.messages.delete.mutate({ messageId: sent[1]!.id });
    expect(await ack()).toBe(5);
    await ben.client.conversations.markRead.mutate({ conversationId, upToSeq: 3 });
    expect(await ack()).toBe(3); // a4, a5, a6
    // Ben's own message reads up to it; the system message (retention) does not count.
    await ben.client.messages.send.mutate({ conversationId, clientMessageId: 'b1', text: 'b1' });
    await send(1);
    expect(await ack()).toBe(1);
    await ada.client.conversations.setRetention.mutate({ conversationId, retention: '24h' });
    await send(1);
    expect(await ack()).toBe(2);
    // Everything so far expires, but the message sent after the clock moved.
    server.clock.advance(25 * 3600_000);
    await refreshTokens(server, ada);
    await refreshTokens(server, ben);
    await send(1);
    expect(await ack()).toBe(3);
    expect((await server.server.pruneExpiredMessages()).messages).toBeGreaterThan(0);
    expect(await ack()).toBe(1);
    await ben.client.conversations.markRead.mutate({ conversationId });
    expect(await ack()).toBe(0);
  });
});

describeEachDialect('a receipt batch over many members', (dialect) => {
  it('moves each member of a group to its own watermarks in one burst, refuses strangers alone', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const members: TestUser[] = [];
    for (let i = 0; i < 10; i++) members.push(await registerUser(server, `M${i}`));
    const strangers = [await registerUser(server, 'S0'), await registerUser(server, 'S1')];
    const group = await ada.client.groups.create.mutate({
      name: 'G',
      userIds: members.map((m) => m.id),
    });
    const sent: { id: string; seq: number }[] = [];
    for (let i = 0; i < 6; i++) {
      sent.push(
        await ada.client.messages.send.mutate({
          conversationId: group.id,
          clientMessageId: `m${i}`,
          text: `m${i}`,
        }),
      );
    }
    const last = sent.at(-1)!.seq;
    // M3 does not send read receipts; M2 had marked the group unread.
    const quiet = members[3]!;
    await quiet.client.users.updatePrivacy.mutate({ readReceipts: false });
    await members[2]!.client.conversations.markUnread.mutate({ conversationId: group.id });
    await using adaDevice = await connectDevice(server, ada);
    await using m2Device = await connectDevice(server, members[2]!);
    const sockets = [...members, ...strangers].map((u) => deviceSocket(server, u));
    // Member i has everything delivered and reads up to message i % 6 (odd members read twice,
    // the second time below the first); all at once, with the strangers' reads among them.
    const readTo = (i: number) => sent[i % 6]!.seq;
    const calls: Promise<unknown>[] = [];
    for (const [i, socket] of sockets.entries()) {
      const conversations = socket.client.conversations;
      if (i >= members.length) {
        calls.push(conversations.markRead.mutate({ conversationId: group.id }));
        continue;
      }
      calls.push(conversations.markDelivered.mutate({ conversationId: group.id, upToSeq: last }));
      calls.push(conversations.markRead.mutate({ conversationId: group.id, upToSeq: readTo(i) }));
      if (i % 2 === 1) {
        calls.push(conversations.markRead.mutate({ conversationId: group.id, upToSeq: 1 }));
      }
    }
    const answers = await Promise.allSettled(calls);
    const refused = answers.filter((a) => a.status === 'rejected');
    expect(refused).toHaveLength(strangers.length);
    for (const r of refused) expect(await errorCode(Promise.reject(r.reason))).toBe('NOT_FOUND');

    for (const [i, member] of members.entries()) {
      const read = readTo(i);
      const unread = sent.filter((m) => m.seq > read).length;
      const view = await member.client.conversations.get.query({ conversationId: group.id });
      expect(view, `M${i}`).toMatchObject({ unreadCount: unread, markedUnread: false });
      // A later receipt answers with the stored watermarks and the same unread count.
      const again = await sockets[i]!.client.conversations.markDelivered.mutate({
        conversationId: group.id,
        upToSeq: 1,
      });
      expect(again, `M${i}`).toEqual({
        conversationId: group.id,
        userId: member.id,
        lastDeliveredSeq: last,
        lastReadSeq: read,
        unreadCount: unread,
        unreadMentionCount: 0,
      });
      // Ada hears each member end at its watermarks (M3's reads stay hidden from her).
      await vi.waitFor(() =>
        expect(receiptsOf(adaDevice, member.id).at(-1), `M${i}`).toMatchObject({
          lastDeliveredSeq: last,
          lastReadSeq: member === quiet ? 0 : read,
        }),
      );
    }
    // M2's devices learn that reading cleared "marked unread".
    await vi.waitFor(() =>
      expect(
        m2Device.durable.filter(
          (e) => e.type === 'conversation.state_changed' && e.conversationId === group.id,
        ),
      ).toMatchObject([{ markedUnread: false }]),
    );
    // The read times were recorded for every member that read the first message.
    const status = await ada.client.messages.status.query({ messageId: sent[0]!.id });
    const readers = status.recipients.filter((r) => r.readAt !== null).map((r) => r.userId);
    expect(readers.sort()).toEqual(
      members
        .filter((m) => m !== quiet)
        .map((m) => m.id)
        .sort(),
    );
    for (const socket of sockets) await socket[Symbol.asyncDispose]();
  });
});
