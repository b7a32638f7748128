import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerUsers } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const describeEvent = (e: StreamEvent) =>
  'message' in e
    ? `${e.type}:${e.message.seq}`
    : e.type === 'reaction.added'
      ? `${e.type}:${e.emoji}`
      : e.type;

describeEachDialect('resume after being away', (dialect) => {
  for (const restart of [false, true]) {
    it(`replays exactly what was missed, in order, then goes live${restart ? ' (across a server restart)' : ''}`, async () => {
      await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
      const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
      const before = await connectDevice(server, ben);
      const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
      await vi.waitFor(() => expect(before.durable).toHaveLength(1)); // conversation.created
      const lastSeen = before.lastEventId!;
      await before[Symbol.asyncDispose](); // Ben goes offline

      const sent = [];
      for (let i = 1; i <= 50; i++) {
        sent.push(
          await ada.client.messages.send.mutate({
            conversationId: chat.id,
            clientMessageId: `m${i}`,
            text: `#${i}`,
          }),
        );
      }
      await ada.client.messages.edit.mutate({ messageId: sent[9]!.id, text: 'edited' });
      await ada.client.messages.delete.mutate({ messageId: sent[19]!.id });
      await ada.client.messages.react.mutate({ messageId: sent[29]!.id, emoji: '🔥' });
      if (restart) await server.restart();

      await using back = await connectDevice(server, ben, lastSeen);
      const expected = [
        ...sent.map((m) => `message.created:${m.seq}`),
        'message.edited:10',
        'message.deleted:20',
        'reaction.added:🔥',
      ];
      await vi.waitFor(() => expect(back.durable).toHaveLength(53));
      expect(back.durable.map(describeEvent)).toEqual(expected);
      expect(back.durable.find((e) => e.type === 'message.edited')).toMatchObject({
        message: { text: 'edited' },
      });

      // Then live, with nothing repeated.
      await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'live',
        text: 'live',
      });
      await vi.waitFor(() => expect(back.durable).toHaveLength(54));
      expect(describeEvent(back.durable[53]!)).toBe('message.created:51');
      expect(new Set(back.durable.map((e) => e.id)).size).toBe(54);
    });
  }

  it('stores a text message event by reference and replays it as live subscribers saw it', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    await using live = await connectDevice(server, ben);
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await vi.waitFor(() => expect(live.durable).toHaveLength(1));
    const from = live.lastEventId!;
    const first = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'ref-1',
      text: 'stored once',
    });
    const reply = await ben.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'ref-2',
      text: 'a reply',
      replyToId: first.id,
    });
    await vi.waitFor(() => expect(live.durable).toHaveLength(3));

    // The log holds a reference to the message row, not a second copy of the message.
    const { db } = server.server.db;
    const rows = await db
      .selectFrom('events')
      .select(['type', 'payload', 'message_id'])
      .where('id', '>', from)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        type: 'message.created',
        payload: JSON.stringify({ type: 'message.created', conversationId: chat.id }),
        message_id: first.id,
      },
      {
        type: 'message.created',
        payload: JSON.stringify({ type: 'message.created', conversationId: chat.id }),
        message_id: reply.id,
      },
    ]);

    // A device resuming from before them gets exactly what the live one got.
    await using later = await connectDevice(server, ben, from);
    await vi.waitFor(() => expect(later.durable).toHaveLength(2));
    expect(later.durable).toEqual(live.durable.slice(1));
    expect(later.durable[1]).toMatchObject({
      message: { id: reply.id, text: 'a reply', replyToId: first.id, reactions: [] },
    });

    // An edit since shows in the replayed message too, then comes as its own event.
    await ada.client.messages.edit.mutate({ messageId: first.id, text: 'edited since' });
    await using third = await connectDevice(server, ben, from);
    await vi.waitFor(() => expect(third.durable).toHaveLength(3));
    expect(
      third.durable.map((e) => ('message' in e ? [e.type, e.message.text] : [e.type])),
    ).toEqual([
      ['message.created', 'edited since'],
      ['message.created', 'a reply'],
      ['message.edited', 'edited since'],
    ]);
  });

  it('never misses or repeats an event while senders race and the reader keeps reconnecting', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '10000' } });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const total = 120;
    const senders = [ada, ben];
    // The reader's starting point, taken before anything is written.
    let lastEventId = (await ben.client.events.head.query()).lastEventId ?? '';
    // Writers: 8 concurrent loops, their transactions interleaving on the database.
    const writers = Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < total / 8; i++) {
          await senders[w % 2]!.client.messages.send.mutate({
            conversationId: chat.id,
            clientMessageId: `w${w}-${i}`,
            text: `w${w}-${i}`,
          });
        }
      }),
    );
    // Reader: Ben's device reconnects with its last id after every few events.
    const seen: StreamEvent[] = [];
    let done = false;
    void writers.then(() => {
      done = true;
    });
    while (!done || seen.filter((e) => e.type === 'message.created').length < total) {
      const device = await connectDevice(server, ben, lastEventId);
      const target = device.durable.length + 7;
      await vi.waitFor(() => {
        if (!done) expect(device.durable.length).toBeGreaterThanOrEqual(target);
      });
      device.stop();
      seen.push(...device.durable);
      lastEventId = device.lastEventId ?? lastEventId;
      await device[Symbol.asyncDispose]();
      if (done) {
        // Drain whatever is left after the writers finished.
        const tail = await connectDevice(server, ben, lastEventId);
        const expectedRemaining = total - seen.filter((e) => e.type === 'message.created').length;
        await vi.waitFor(() =>
          expect(tail.durable.filter((e) => e.type === 'message.created').length).toBe(
            expectedRemaining,
          ),
        );
        seen.push(...tail.durable);
        await tail[Symbol.asyncDispose]();
        break;
      }
    }
    await writers;
    const created = seen.filter((e) => e.type === 'message.created');
    expect(created.map((e) => ('message' in e ? e.message.seq : 0))).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
  });
});
