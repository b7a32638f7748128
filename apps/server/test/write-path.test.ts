import { join } from 'node:path';
import { describeEachDialect } from '@parley/db/testing';
import Database from 'better-sqlite3';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUser, type TestUser, wsClient } from './helpers/clients.ts';
import { connectDevice, type Device } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/** Batches of more than one send that the server committed (from /metrics). */
async function multiSendBatches(server: TestServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const count = Number(/^parley_send_batch_size_count (\d+)/m.exec(text)?.[1] ?? 0);
  const single = Number(/^parley_send_batch_size_bucket\{le="1"\} (\d+)/m.exec(text)?.[1] ?? 0);
  return count - single;
}

/** A sender whose sends go over one WebSocket, so sends made in one tick reach the server together. */
function socketOf(server: TestServer, user: TestUser) {
  return wsClient(server, () => user.auth.accessToken);
}

/** These tests send more than a person would. */
const LOAD = { SEND_RATE_LIMIT: '100000' };

describeEachDialect('the group-commit write path', (dialect) => {
  it('commits the good sends of a batch and fails only the bad one, with its own error', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const cy = await registerUser(server, 'Cy');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const foreign = await ben.client.conversations.openDirect.mutate({ userId: cy.id });
    await using benDevice = await connectDevice(server, ben);
    await using socket = socketOf(server, ada);
    const send = (conversationId: string, clientMessageId: string, replyToId?: string) =>
      socket.client.messages.send.mutate({
        conversationId,
        clientMessageId,
        text: clientMessageId,
        replyToId,
      });
    // Warm the socket up, so the batch below is written in one go.
    await send(chat.id, 'warm-up');
    const results = await Promise.allSettled([
      send(chat.id, 'a'),
      send(foreign.id, 'not-a-member'),
      send(chat.id, 'b'),
      send(chat.id, 'bad-reply', 'no-such-message'),
      send(chat.id, 'c'),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(await errorCode(Promise.reject((results[1] as PromiseRejectedResult).reason))).toBe(
      'NOT_FOUND',
    );
    expect(await errorCode(Promise.reject((results[3] as PromiseRejectedResult).reason))).toBe(
      'NOT_FOUND',
    );
    expect(await multiSendBatches(server)).toBeGreaterThan(0);
    // Stored without holes in seq (concurrent sends have no order of their own), and each
    // delivered live exactly once, in seq order.
    const history = await ben.client.messages.list.query({ conversationId: chat.id });
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(history.messages.map((m) => m.clientMessageId).sort()).toEqual([
      'a',
      'b',
      'c',
      'warm-up',
    ]);
    await vi.waitFor(() =>
      expect(
        benDevice.durable.flatMap((e) => (e.type === 'message.created' ? [e.message.seq] : [])),
      ).toEqual([1, 2, 3, 4]),
    );
    // The reply is built from the write: it matches what a read returns.
    const fulfilled = results[2] as PromiseFulfilledResult<Awaited<ReturnType<typeof send>>>;
    const read = await ada.client.messages.get.query({ messageId: fulfilled.value.id });
    expect(fulfilled.value).toEqual(read);
  });

  it('hands a batch over several conversations to a member of all of them, every event in id order', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    // Ids sort by creation: the first group's id is the smaller one.
    const older = await ada.client.groups.create.mutate({ name: 'Older', userIds: [ben.id] });
    const newer = await ada.client.groups.create.mutate({ name: 'Newer', userIds: [ben.id] });
    await using benDevice = await connectDevice(server, ben);
    await using socket = socketOf(server, ada);
    await socket.client.messages.send.mutate({
      conversationId: older.id,
      clientMessageId: 'warm-up',
      text: 'warm-up',
    });
    // Arrival order is the reverse of conversation order (the writer locks rows by conversation).
    const sends = ['n1', 'o1', 'n2', 'o2'].map((id) =>
      socket.client.messages.send.mutate({
        conversationId: id.startsWith('n') ? newer.id : older.id,
        clientMessageId: id,
        text: id,
      }),
    );
    await Promise.all(sends);
    await vi.waitFor(() => {
      const texts = benDevice.durable.flatMap((e) =>
        e.type === 'message.created' && e.message.text !== 'warm-up' ? [e.message.text] : [],
      );
      expect(texts.sort()).toEqual(['n1', 'n2', 'o1', 'o2']);
    });
    const ids = benDevice.durable.map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
  });

  it('stores a clientMessageId once when it repeats inside one batch and across batches', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using socket = socketOf(server, ada);
    const send = (clientMessageId: string) =>
      socket.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId,
        text: clientMessageId,
      });
    await send('warm-up');
    const inOneBatch = await Promise.all([send('x'), send('x'), send('y'), send('x'), send('y')]);
    const later = await Promise.all([send('x'), send('y')]);
    const ids = (clientMessageId: string) =>
      new Set(
        [...inOneBatch, ...later]
          .filter((m) => m.clientMessageId === clientMessageId)
          .map((m) => m.id),
      );
    expect(ids('x').size).toBe(1);
    expect(ids('y').size).toBe(1);
    const history = await ben.client.messages.list.query({ conversationId: chat.id });
    expect(history.messages.map((m) => m.clientMessageId)).toEqual(['warm-up', 'x', 'y']);
  });

  it("answers CONFLICT, never another conversation's message, when one clientMessageId races into two chats", async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const cy = await registerUser(server, 'Cy');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const withCy = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    for (let round = 0; round < 10; round++) {
      const clientMessageId = `race-${round}`;
      const attempts = [withBen.id, withCy.id, withBen.id, withCy.id].map((conversationId) =>
        ada.client.messages.send
          .mutate({ conversationId, clientMessageId, text: 'hi' })
          .then((m) => ({ asked: conversationId, got: m.conversationId }))
          .catch(async (error: unknown) => errorCode(Promise.reject(error))),
      );
      const answers = await Promise.all(attempts);
      for (const answer of answers) {
        if (typeof answer === 'string') expect(answer).toBe('CONFLICT');
        else expect(answer.got).toBe(answer.asked);
      }
      const stored = answers.filter((a) => typeof a !== 'string');
      expect(stored.length).toBeGreaterThan(0);
      expect(new Set(stored.map((a) => (typeof a === 'string' ? a : a.got))).size).toBe(1);
    }
  });

  it('resumes without a gap or a repeat while a long catch-up is still replaying', async () => {
    await using server = await startTestServer({ dialect, env: LOAD });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const from = (await ben.client.events.head.query()).lastEventId ?? '';
    await using socket = socketOf(server, ada);
    const total = 700; // several replay pages
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          socket.client.messages.send.mutate({
            conversationId: chat.id,
            clientMessageId: `m${i + k}`,
            text: `m${i + k}`,
          }),
        ),
      );
    }
    // Concurrent sends have no order of their own: the stream must follow the stored seq.
    const received: number[] = [];
    const created = (device: Device) =>
      device.durable.flatMap((e) => (e.type === 'message.created' ? [e.message.seq] : []));
    // First device: drop it part-way through the replay, while Ada keeps sending.
    const first = await connectDevice(server, ben, from);
    const more = socket.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'during',
      text: 'during',
    });
    await vi.waitFor(() => expect(first.durable.length).toBeGreaterThan(100));
    await first[Symbol.asyncDispose]();
    received.push(...created(first));
    await more;
    // Second device resumes from the last id the first one received.
    await using second = await connectDevice(server, ben, first.lastEventId);
    await vi.waitFor(() => expect(received.length + created(second).length).toBe(total + 1), {
      timeout: 10_000,
    });
    received.push(...created(second));
    expect(received).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
  });
});

// SQLite checks a whole send before it writes anything, so a refused send needs no savepoint;
// a statement that fails after a send began to write rolls the batch back and the batch runs
// again with a savepoint per send. A trigger stands in for such a failure (an I/O error, a
// constraint the checks did not foresee): it refuses one message's insert, after its
// conversation's seq was already taken.
it('SQLite: a send that fails while writing fails alone; the rest of its batch commits once', async () => {
  await using server = await startTestServer({ env: LOAD });
  const ada = await registerUser(server, 'Ada');
  const ben = await registerUser(server, 'Ben');
  const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
  await using benDevice = await connectDevice(server, ben);
  await using socket = socketOf(server, ada);
  const send = (clientMessageId: string, text = clientMessageId) =>
    socket.client.messages.send.mutate({ conversationId: chat.id, clientMessageId, text });
  await send('warm-up');
  const side = new Database(join(server.dataDir, 'parley.db'));
  side.exec(`create trigger boom before insert on messages when new.text = 'boom'
             begin select raise(abort, 'boom'); end`);
  side.close();
  const before = await multiSendBatches(server);
  const results = await Promise.allSettled([
    send('a'),
    send('dup', 'x'),
    send('bad', 'boom'),
    send('dup', 'x'),
    send('b'),
  ]);
  expect(results.map((r) => r.status)).toEqual([
    'fulfilled',
    'fulfilled',
    'rejected',
    'fulfilled',
    'fulfilled',
  ]);
  expect(await errorCode(Promise.reject((results[2] as PromiseRejectedResult).reason))).toBe(
    'INTERNAL_SERVER_ERROR',
  );
  expect(await multiSendBatches(server)).toBeGreaterThan(before);
  const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  expect(values[1]!.id).toBe(values[2]!.id);
  // No hole in seq where the failed send had taken one; each delivered once, in order.
  const history = await ben.client.messages.list.query({ conversationId: chat.id });
  expect(history.messages.map((m) => [m.seq, m.clientMessageId])).toEqual([
    [1, 'warm-up'],
    [2, 'a'],
    [3, 'dup'],
    [4, 'b'],
  ]);
  await vi.waitFor(() =>
    expect(
      benDevice.durable.flatMap((e) => (e.type === 'message.created' ? [e.message.seq] : [])),
    ).toEqual([1, 2, 3, 4]),
  );
  // The same clientMessageId again is still the stored message, the failed one can be retried.
  expect((await send('dup', 'x')).id).toBe(values[1]!.id);
  await expect(send('bad', 'boom')).rejects.toThrow();
  expect((await send('bad', 'fixed')).seq).toBe(5);
});
