import { type Dialect, describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerUsers, type TestUser } from './helpers/clients.ts';
import { openRawSocket } from './helpers/raw-socket.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

// A device's hot mutations over WebSocket (`messages.send`, `conversations.markDelivered`,
// `conversations.markRead`, `typing.set`) are served by apps/server/src/ws-events.ts (the direct
// lane, live/direct-calls.ts in the API) instead of tRPC's adapter. These tests speak tRPC's
// frames over a raw socket and hold the lane to what tRPC answers: the same bytes as tRPC's
// HTTP answer to the same call (success, retry, conflict, bad input, no token, not a member,
// rate limit), framed as tRPC's ws adapter frames it; batches that mix them with other calls;
// the metric that counts the calls the lane served.

type Frame = {
  id: string | number | null;
  jsonrpc?: string;
  result?: { type: string; id?: string; data?: unknown };
  error?: { message: string; code: number; data: Record<string, unknown> };
};

/** A raw tRPC WebSocket; with a user, connectionParams first. */
async function rawSocket(server: TestServer, user?: TestUser) {
  const { ws, texts, send } = await openRawSocket(server, user);
  const of = (id: string | number) => texts.filter((t) => (JSON.parse(t) as Frame).id === id);
  return {
    texts,
    of,
    /** The one frame of request `id`, once it came. */
    async answer(id: string | number): Promise<string> {
      await vi.waitFor(() => expect(of(id)).toHaveLength(1));
      return of(id)[0]!;
    },
    send,
    sendMessage(id: string | number, input: unknown, jsonrpc?: '2.0') {
      this.mutate(id, 'messages.send', input, jsonrpc);
    },
    mutate(id: string | number, path: string, input: unknown, jsonrpc?: '2.0') {
      ws.send(JSON.stringify({ id, jsonrpc, method: 'mutation', params: { path, input } }));
    },
    [Symbol.dispose]: () => ws.close(),
  };
}

/**
 * The same call over tRPC's HTTP handler (the generic path): its JSON body, as text made again
 * from the parsed body (JSON.parse keeps key order, so the text is the server's).
 */
async function overHttp(
  server: TestServer,
  input: unknown,
  user?: TestUser,
  path = 'messages.send',
) {
  const res = await fetch(`${server.url}/trpc/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(user ? { authorization: `Bearer ${user.auth.accessToken}` } : {}),
    },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  return {
    data: body.result ? JSON.stringify(body.result.data) : undefined,
    error: body.error ? JSON.stringify(body.error) : undefined,
  };
}

/** Calls the direct lanes served, by path, from /metrics. */
async function directCalls(server: TestServer, path: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`parley_websocket_direct_calls_total{path="${path}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function scene(dialect: Dialect, env?: Record<string, string>) {
  const server = await startTestServer({ dialect, env });
  const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
  const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
  const other = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
  return {
    server,
    ada,
    ben,
    cy,
    chat,
    other,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

describeEachDialect('messages.send on the WebSocket, served by the direct lane', (dialect) => {
  it("answers tRPC's bytes: a send, its retry, a conflict, bad input, no token; the lane served them", async () => {
    await using s = await scene(dialect);
    const { server, ada, chat, other } = s;
    using sock = await rawSocket(server, ada);
    const input = {
      conversationId: chat.id,
      clientMessageId: 'c-1',
      text: 'quote " and ünïcode ✓',
    };
    sock.sendMessage(1, input, '2.0');
    const sent = await sock.answer(1);
    // The retry over HTTP answers the stored message (through tRPC's output validation).
    const reference = await overHttp(server, input, ada);
    expect(reference.data).toBeDefined();
    expect(sent).toBe(`{"id":1,"jsonrpc":"2.0","result":{"type":"data","data":${reference.data}}}`);
    expect(JSON.parse(sent)).toMatchObject({
      result: { data: { seq: 1, text: input.text, clientMessageId: 'c-1' } },
    });
    // A retry on the socket: the same message, no second one.
    sock.sendMessage(2, input);
    expect(await sock.answer(2)).toBe(`{"id":2,"result":{"type":"data","data":${reference.data}}}`);
    // The same clientMessageId for another conversation: CONFLICT, as tRPC frames it.
    const conflict = { ...input, conversationId: other.id };
    sock.sendMessage(3, conflict);
    const conflictHttp = await overHttp(server, conflict, ada);
    expect(await sock.answer(3)).toBe(`{"id":3,"error":${conflictHttp.error}}`);
    expect(JSON.parse(conflictHttp.error!)).toMatchObject({ data: { code: 'CONFLICT' } });
    // Bad input (the router's error formatter lists the issues).
    const bad = { conversationId: chat.id, clientMessageId: '', text: 7 };
    sock.sendMessage('bad', bad, '2.0');
    const badHttp = await overHttp(server, bad, ada);
    expect(await sock.answer('bad')).toBe(`{"id":"bad","jsonrpc":"2.0","error":${badHttp.error}}`);
    expect(JSON.parse(badHttp.error!)).toMatchObject({
      message: expect.stringContaining('Invalid input'),
      data: { code: 'BAD_REQUEST', path: 'messages.send' },
    });
    // A conversation Ada is not in: NOT_FOUND (a DomainError from the service).
    const foreign = await s.ben.client.conversations.openDirect.mutate({ userId: s.cy.id });
    const stranger = { conversationId: foreign.id, clientMessageId: 'c-2', text: 'hi' };
    sock.sendMessage(4, stranger);
    const strangerHttp = await overHttp(server, stranger, ada);
    expect(await sock.answer(4)).toBe(`{"id":4,"error":${strangerHttp.error}}`);
    // No token: UNAUTHORIZED from the procedure's authorization.
    using anon = await rawSocket(server);
    anon.sendMessage(1, input);
    const anonHttp = await overHttp(server, input);
    expect(await anon.answer(1)).toBe(`{"id":1,"error":${anonHttp.error}}`);
    expect(JSON.parse(anonHttp.error!)).toMatchObject({
      message: 'Authentication required',
      data: { code: 'UNAUTHORIZED' },
    });
    // One message stored; every socket call above went through the lane.
    const history = await ada.client.messages.list.query({ conversationId: chat.id });
    expect(history.messages.map((m) => m.text)).toEqual([input.text]);
    expect(await directCalls(server, 'messages.send')).toBe(6);
  });

  it('answers TOO_MANY_REQUESTS as tRPC does; a retry of a stored message costs no point', async () => {
    await using s = await scene(dialect, { SEND_RATE_LIMIT: '2' });
    const { server, ada, chat, other } = s;
    using sock = await rawSocket(server, ada);
    const first = { conversationId: chat.id, clientMessageId: 'r-1', text: 'one' };
    sock.sendMessage(1, first);
    await sock.answer(1);
    // A retry with budget left gives its point back: the next new message still passes.
    sock.sendMessage(11, first);
    expect(JSON.parse(await sock.answer(11))).toMatchObject({ result: { data: { text: 'one' } } });
    // So does the same id sent to another conversation (CONFLICT).
    sock.sendMessage(12, { ...first, conversationId: other.id });
    expect(JSON.parse(await sock.answer(12))).toMatchObject({
      error: { data: { code: 'CONFLICT' } },
    });
    sock.sendMessage(2, { ...first, clientMessageId: 'r-2', text: 'two' });
    expect(JSON.parse(await sock.answer(2))).toMatchObject({ result: { data: { text: 'two' } } });
    // A retry is free, even with the budget spent.
    sock.sendMessage(3, first);
    expect(JSON.parse(await sock.answer(3))).toMatchObject({ result: { data: { text: 'one' } } });
    const third = { ...first, clientMessageId: 'r-3', text: 'three' };
    sock.sendMessage(4, third);
    const limited = JSON.parse(await sock.answer(4)) as Frame;
    const http = JSON.parse((await overHttp(server, third, ada)).error!) as Frame['error'];
    // The same error but for the time left, which moved on between the two calls.
    const withoutRetry = (e: Frame['error']) => ({
      ...e,
      data: { ...e?.data, retryAfterMs: typeof e?.data.retryAfterMs },
    });
    expect(Object.keys(limited)).toEqual(['id', 'error']);
    expect(withoutRetry(limited.error)).toEqual(withoutRetry(http));
    expect(limited.error).toMatchObject({
      data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429, retryAfterMs: expect.any(Number) },
    });
    expect(await directCalls(server, 'messages.send')).toBe(6);
  });

  it('serves sends mixed in one batch with a subscription and tRPC calls, in the order sent', async () => {
    await using s = await scene(dialect);
    const { server, ada, ben, chat } = s;
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    using sock = await rawSocket(server, ada);
    using benSock = await rawSocket(server, ben);
    benSock.send({
      id: 'ev',
      method: 'subscription',
      params: { path: 'events.subscribe', input: { lastEventId: head } },
    });
    await benSock.answer('ev');
    // What the SDK's wsLink sends: several requests in one array frame.
    sock.send([
      {
        id: 'ev',
        method: 'subscription',
        params: { path: 'events.subscribe', input: { lastEventId: head } },
      },
      {
        id: 1,
        method: 'mutation',
        params: {
          path: 'messages.send',
          input: { conversationId: chat.id, clientMessageId: 'b-1', text: 'first' },
        },
      },
      { id: 2, method: 'query', params: { path: 'users.me' } },
      {
        id: 3,
        method: 'mutation',
        params: {
          path: 'messages.send',
          input: { conversationId: chat.id, clientMessageId: 'b-2', text: 'second' },
        },
      },
      {
        id: 4,
        method: 'mutation',
        params: { path: 'typing.set', input: { conversationId: chat.id, isTyping: true } },
      },
      {
        id: 5,
        method: 'mutation',
        params: {
          path: 'messages.send',
          input: { conversationId: chat.id, clientMessageId: 'b-3', text: 'third' },
        },
      },
    ]);
    const data = async (id: number) =>
      (JSON.parse(await sock.answer(id)) as { result: { data: Record<string, unknown> } }).result
        .data;
    expect(await data(1)).toMatchObject({ seq: 1, text: 'first' });
    expect(await data(3)).toMatchObject({ seq: 2, text: 'second' });
    expect(await data(5)).toMatchObject({ seq: 3, text: 'third' });
    expect(await data(2)).toMatchObject({ id: ada.id });
    expect(JSON.parse(await sock.answer(4))).toMatchObject({ id: 4, result: { type: 'data' } });
    // Both sides' streams carry the three messages, in order (the sender's own too).
    const texts = (frames: string[]) =>
      frames
        .map((t) => JSON.parse(t) as Frame)
        .flatMap((f) => {
          const event = (f.result?.data as { data?: { type?: string; message?: { text: string } } })
            ?.data;
          return event?.type === 'message.created' ? [event.message!.text] : [];
        });
    await vi.waitFor(() => {
      expect(texts(benSock.of('ev'))).toEqual(['first', 'second', 'third']);
      expect(texts(sock.of('ev'))).toEqual(['first', 'second', 'third']);
    });
    expect(await directCalls(server, 'messages.send')).toBe(3);
    expect(await directCalls(server, 'events.subscribe')).toBe(2);
  });
});

describeEachDialect('acks and typing on the WebSocket, served by the direct lane', (dialect) => {
  it("answers markDelivered, markRead and typing.set with tRPC's bytes; the lane served them", async () => {
    await using s = await scene(dialect);
    const { server, ada, ben, chat, other } = s;
    for (const text of ['one', 'two', 'three']) {
      await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: text,
        text,
      });
    }
    using sock = await rawSocket(server, ben);
    const call = async (id: number, path: string, input: unknown, jsonrpc?: '2.0') => {
      sock.mutate(id, path, input, jsonrpc);
      return sock.answer(id);
    };
    // Delivered up to 2: the watermark moves, the unread counts come with it (the answer of
    // a retry over HTTP, which moves nothing more, is the same bytes).
    const delivered = { conversationId: chat.id, upToSeq: 2 };
    const first = await call(1, 'conversations.markDelivered', delivered, '2.0');
    const again = await overHttp(server, delivered, ben, 'conversations.markDelivered');
    expect(first).toBe(`{"id":1,"jsonrpc":"2.0","result":{"type":"data","data":${again.data}}}`);
    expect(JSON.parse(first)).toMatchObject({
      result: { data: { lastDeliveredSeq: 2, lastReadSeq: 0, unreadCount: 3 } },
    });
    // Read up to 1, then everything (no seq): the counts follow.
    const read = JSON.parse(
      await call(2, 'conversations.markRead', { conversationId: chat.id, upToSeq: 1 }),
    );
    expect(read).toMatchObject({
      result: { data: { lastDeliveredSeq: 2, lastReadSeq: 1, unreadCount: 2 } },
    });
    const all = await call(3, 'conversations.markRead', { conversationId: chat.id });
    const allHttp = await overHttp(
      server,
      { conversationId: chat.id },
      ben,
      'conversations.markRead',
    );
    expect(all).toBe(`{"id":3,"result":{"type":"data","data":${allHttp.data}}}`);
    expect(JSON.parse(all)).toMatchObject({
      result: { data: { lastDeliveredSeq: 3, lastReadSeq: 3, unreadCount: 0 } },
    });
    // Ada sees Ben's receipts as she would have through tRPC.
    const status = await ada.client.conversations.participants.query({ conversationId: chat.id });
    expect(status.find((p) => p.user.id === ben.id)).toMatchObject({
      lastDeliveredSeq: 3,
      lastReadSeq: 3,
    });
    // A conversation Ben is not in: NOT_FOUND, the same error as over HTTP.
    const stranger = { conversationId: other.id, upToSeq: 1 };
    const refused = await call(4, 'conversations.markDelivered', stranger);
    const refusedHttp = await overHttp(server, stranger, ben, 'conversations.markDelivered');
    expect(refused).toBe(`{"id":4,"error":${refusedHttp.error}}`);
    expect(JSON.parse(refused)).toMatchObject({ error: { data: { code: 'NOT_FOUND' } } });
    // Bad input: the router's error formatter lists the issues, as tRPC's answer does.
    const bad = { conversationId: chat.id, upToSeq: -1, extra: true };
    const badAnswer = await call(5, 'conversations.markRead', bad);
    const badHttp = await overHttp(server, bad, ben, 'conversations.markRead');
    expect(badAnswer).toBe(`{"id":5,"error":${badHttp.error}}`);
    expect(JSON.parse(badAnswer)).toMatchObject({ error: { data: { code: 'BAD_REQUEST' } } });
    // Typing: its answer, as tRPC frames it.
    const typing = { conversationId: chat.id, isTyping: true };
    const typed = await call(6, 'typing.set', typing);
    expect(typed).toBe(`{"id":6,"result":{"type":"data","data":{"ok":true}}}`);
    // No token: UNAUTHORIZED, as tRPC answers it.
    using anon = await rawSocket(server);
    anon.mutate(1, 'conversations.markDelivered', delivered);
    const anonHttp = await overHttp(server, delivered, undefined, 'conversations.markDelivered');
    expect(await anon.answer(1)).toBe(`{"id":1,"error":${anonHttp.error}}`);
    expect(await directCalls(server, 'conversations.markDelivered')).toBe(3);
    expect(await directCalls(server, 'conversations.markRead')).toBe(3);
    expect(await directCalls(server, 'typing.set')).toBe(1);
  });
});
