import { type Dialect, describeEachDialect } from '@parley/db/testing';
import { EventSource } from 'eventsource';
import { expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { httpClient, registerUsers, type TestUser } from './helpers/clients.ts';
import { openRawSocket } from './helpers/raw-socket.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/** How stream 1 ends when its access token expired: the error, then `stopped`. */
const TOKEN_EXPIRED_FRAMES = [
  {
    id: 1,
    error: {
      message: 'Access token expired',
      code: -32001,
      data: { code: 'UNAUTHORIZED', httpStatus: 401, path: 'events.subscribe' },
    },
  },
  { id: 1, result: { type: 'stopped' } },
];

// `events.subscribe` over WebSocket is served by apps/server/src/ws-events.ts, which writes
// live frames straight to the socket. These tests speak tRPC's frames over a raw socket and
// hold that path to what tRPC's adapter did: the same bytes, stop, errors, cut-offs, filters.

type Frame = {
  id: string | number | null;
  jsonrpc?: string;
  result?: { type: string; id?: string; data?: unknown };
  error?: { message: string; code: number; data: Record<string, unknown> };
};

/** A raw tRPC WebSocket: connectionParams first, then whatever the test sends. */
async function rawSocket(server: TestServer, user: TestUser) {
  const { ws, texts, send } = await openRawSocket(server, user);
  return {
    ws,
    texts,
    frames: () => texts.map((t) => JSON.parse(t) as Frame),
    /** Frames of one request id. */
    of: (id: string | number) =>
      texts.map((t) => JSON.parse(t) as Frame).filter((f) => f.id === id),
    send,
    subscribe: (id: string | number, lastEventId: string, jsonrpc?: '2.0') =>
      ws.send(
        JSON.stringify({
          id,
          jsonrpc,
          method: 'subscription',
          params: { path: 'events.subscribe', input: { lastEventId } },
        }),
      ),
    [Symbol.dispose]: () => ws.close(),
  };
}

/**
 * A server, Ada and Ben with a direct chat, the log's head before anything else happens, and
 * Ben's raw socket (not subscribed yet). Disposing it closes the socket, then the server.
 */
async function directChatScene(dialect: Dialect, env?: Record<string, string>) {
  const server = await startTestServer({ dialect, env });
  const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
  const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
  const head = (await ben.client.events.head.query()).lastEventId ?? '';
  const sock = await rawSocket(server, ben);
  return {
    server,
    ada,
    ben,
    chat,
    head,
    sock,
    async [Symbol.asyncDispose]() {
      sock[Symbol.dispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** Live subscribers on the server's hub (as /health/detailed reports them). */
async function subscribers(server: TestServer): Promise<number> {
  const res = await fetch(`${server.url}/health/detailed`);
  return ((await res.json()) as { live: { subscribers: number } }).live.subscribers;
}

function sendText(user: TestUser, conversationId: string, text: string, clientMessageId = text) {
  return user.client.messages.send.mutate({ conversationId, clientMessageId, text });
}

const dataOf = (frames: Frame[]) => frames.filter((f) => f.result?.type === 'data');
const textOf = (frame: Frame) =>
  (frame.result?.data as { data?: { message?: { text: string } } } | undefined)?.data?.message
    ?.text ?? '';

describeEachDialect('events.subscribe written straight to the socket', (dialect) => {
  it('runs two subscriptions on one socket (one batch with a query); stopping one leaves the other and tRPC calls working', async () => {
    await using scene = await directChatScene(dialect);
    const { server, ada, ben, chat, head, sock } = scene;
    // What the SDK's wsLink does: several requests in one array frame.
    sock.send([
      {
        id: 1,
        method: 'subscription',
        params: { path: 'events.subscribe', input: { lastEventId: head } },
      },
      { id: 2, method: 'query', params: { path: 'users.me' } },
      {
        id: 3,
        method: 'subscription',
        params: { path: 'events.subscribe', input: { lastEventId: head } },
      },
    ]);
    await vi.waitFor(() => {
      expect(sock.of(1)).toEqual([{ id: 1, result: { type: 'started' } }]);
      expect(sock.of(3)).toEqual([{ id: 3, result: { type: 'started' } }]);
      expect(sock.of(2)).toEqual([
        expect.objectContaining({
          id: 2,
          result: { type: 'data', data: expect.objectContaining({ id: ben.id }) },
        }),
      ]);
    });
    await sendText(ada, chat.id, 'one');
    await vi.waitFor(() => {
      expect(dataOf(sock.of(1)).map(textOf)).toEqual(['one']);
      expect(dataOf(sock.of(3)).map(textOf)).toEqual(['one']);
    });
    // The same id again while it runs: refused as tRPC refuses it.
    sock.subscribe(3, head);
    await vi.waitFor(() =>
      expect(sock.of(3).at(-1)).toMatchObject({
        id: 3,
        error: { message: 'Duplicate id 3', data: { code: 'BAD_REQUEST' } },
      }),
    );
    // Stop 1 (mixed in a batch with a query tRPC answers).
    sock.send([
      { id: 1, method: 'subscription.stop' },
      { id: 4, method: 'query', params: { path: 'events.head' } },
    ]);
    await vi.waitFor(() => {
      expect(sock.of(1).at(-1)).toEqual({ id: 1, result: { type: 'stopped' } });
      expect(sock.of(4)).toEqual([
        expect.objectContaining({ result: expect.objectContaining({ type: 'data' }) }),
      ]);
    });
    await sendText(ada, chat.id, 'two');
    await vi.waitFor(() => expect(dataOf(sock.of(3)).map(textOf)).toEqual(['one', 'two']));
    expect(dataOf(sock.of(1)).map(textOf)).toEqual(['one']);
    // The stopped one's slot is free, the other still counts: one subscriber left on the hub.
    expect(await subscribers(server)).toBe(1);
    sock.send({ id: 3, method: 'subscription.stop' });
    await vi.waitFor(async () => expect(await subscribers(server)).toBe(0));
  });

  it("answers refusals with tRPC's frame sequences: bad input and no token (error only), over the limit (started, error, stopped)", async () => {
    await using server = await startTestServer({ dialect });
    const [ben] = await registerUsers(server, 'Ben');
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    using sock = await rawSocket(server, ben);
    sock.subscribe('bad', 'not-an-id');
    await vi.waitFor(() => expect(sock.of('bad')).toHaveLength(1));
    expect(sock.of('bad')[0]).toMatchObject({
      id: 'bad',
      error: { code: -32600, data: { code: 'BAD_REQUEST', path: 'events.subscribe' } },
    });
    expect(sock.of('bad')[0]).not.toHaveProperty('result');
    // Five per connection; the sixth starts, then fails with TOO_MANY_REQUESTS, then stops.
    for (const id of [1, 2, 3, 4, 5]) sock.subscribe(id, head);
    await vi.waitFor(() =>
      expect([1, 2, 3, 4, 5].map((id) => sock.of(id))).toEqual(
        [1, 2, 3, 4, 5].map((id) => [{ id, result: { type: 'started' } }]),
      ),
    );
    sock.subscribe(6, head);
    await vi.waitFor(() => expect(sock.of(6)).toHaveLength(3));
    expect(sock.of(6)).toMatchObject([
      { id: 6, result: { type: 'started' } },
      { id: 6, error: { data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } } },
      { id: 6, result: { type: 'stopped' } },
    ]);
    // A socket without a token: refused by the procedure's middleware, no `started`.
    const anon = new WebSocket(server.wsUrl);
    const texts: string[] = [];
    anon.on('message', (raw) => texts.push(String(raw)));
    await new Promise((resolve) => anon.once('open', resolve));
    try {
      anon.send(
        JSON.stringify({
          id: 1,
          method: 'subscription',
          params: { path: 'events.subscribe', input: {} },
        }),
      );
      await vi.waitFor(() => expect(texts).toHaveLength(1));
      expect(JSON.parse(texts[0]!)).toMatchObject({
        id: 1,
        error: { message: 'Authentication required', data: { code: 'UNAUTHORIZED' } },
      });
    } finally {
      anon.close();
    }
  });

  it('frees a stopped stream: its id, its place under the limit, its hub subscriber', async () => {
    await using s = await directChatScene(dialect);
    const { server, ada, chat, head, sock } = s;
    const before = await subscribers(server);
    const ids = [1, 2, 3, 4, 5];
    for (const id of ids) sock.subscribe(id, head);
    await vi.waitFor(() => expect(ids.map((id) => sock.of(id).length)).toEqual([1, 1, 1, 1, 1]));
    expect(await subscribers(server)).toBe(before + 5);
    // Stopped: each answers `stopped`, and leaves the hub.
    for (const id of ids) sock.send({ id, method: 'subscription.stop' });
    await vi.waitFor(() =>
      expect(ids.map((id) => sock.of(id).map((f) => f.result?.type))).toEqual(
        ids.map(() => ['started', 'stopped']),
      ),
    );
    await vi.waitFor(async () => expect(await subscribers(server)).toBe(before));
    // The same ids and five places again (the limit counts running streams only): live.
    for (const id of ids) sock.subscribe(id, head);
    await vi.waitFor(() => expect(ids.map((id) => sock.of(id).length)).toEqual([3, 3, 3, 3, 3]));
    await sendText(ada, chat.id, 'after the restart');
    await vi.waitFor(() =>
      expect(ids.map((id) => dataOf(sock.of(id)).map(textOf))).toEqual(
        ids.map(() => ['after the restart']),
      ),
    );
    expect(sock.frames().filter((f) => f.error)).toEqual([]);
  });

  it('sends the bytes tRPC sent: the SSE payload framed as tRPC frames it (durable, ephemeral, jsonrpc)', async () => {
    await using scene = await directChatScene(dialect);
    const { server, ada, ben, chat, head, sock } = scene;
    sock.subscribe(1, head);
    sock.subscribe('s2', head, '2.0');
    // The generic path (tRPC's SSE producer) as the reference.
    const url = new URL(`${server.url}/trpc/events.subscribe`);
    url.searchParams.set('input', JSON.stringify({ lastEventId: head }));
    url.searchParams.set('connectionParams', JSON.stringify({ token: ben.auth.accessToken }));
    const sse: { id: string; data: string }[] = [];
    let opened = false;
    const source = new EventSource(url);
    source.addEventListener('open', () => {
      opened = true;
    });
    source.addEventListener('message', (m) => sse.push({ id: m.lastEventId, data: m.data }));
    try {
      await vi.waitFor(() => {
        expect(opened).toBe(true);
        expect(sock.texts).toContain('{"id":1,"result":{"type":"started"}}');
        expect(sock.texts).toContain('{"id":"s2","jsonrpc":"2.0","result":{"type":"started"}}');
      });
      await sendText(ada, chat.id, 'quote " and ünïcode ✓');
      await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
      await vi.waitFor(() => {
        expect(sse).toHaveLength(2);
        expect(sock.texts).toHaveLength(6);
      });
      const [durable, typing] = sse;
      const id = JSON.stringify(durable!.id);
      const wsData = sock.texts.slice(2);
      expect(wsData.filter((t) => t.startsWith('{"id":1,'))).toEqual([
        `{"id":1,"result":{"type":"data","data":{"id":${id},"data":${durable!.data}},"id":${id}}}`,
        `{"id":1,"result":{"type":"data","data":${typing!.data}}}`,
      ]);
      expect(wsData.filter((t) => t.startsWith('{"id":"s2",'))).toEqual([
        `{"id":"s2","jsonrpc":"2.0","result":{"type":"data","data":{"id":${id},"data":${durable!.data}},"id":${id}}}`,
        `{"id":"s2","jsonrpc":"2.0","result":{"type":"data","data":${typing!.data}}}`,
      ]);
      // And what JSON.stringify makes of tRPC's frame object, key order included.
      const event = JSON.parse(durable!.data) as unknown;
      expect(wsData[0]).toBe(
        JSON.stringify({
          id: 1,
          result: { type: 'data', data: { id: durable!.id, data: event }, id: durable!.id },
        }),
      );
    } finally {
      source.close();
    }
  });

  it('cuts a socket that stopped reading as a slow consumer; a resume gets the rest, gap-free', async () => {
    await using scene = await directChatScene(dialect, {
      WS_MAX_BUFFERED_BYTES: String(64 * 1024),
      SEND_RATE_LIMIT: '1000',
      MESSAGE_MAX_LENGTH: '65536',
    });
    const { server, ada, chat, head, sock } = scene;
    sock.subscribe(1, head);
    await vi.waitFor(() => expect(sock.of(1)).toEqual([{ id: 1, result: { type: 'started' } }]));
    // Ben's client stops reading: the server's send buffer fills up.
    const tcp = (sock.ws as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.pause();
    const big = 'x'.repeat(60_000);
    let sent = 0;
    while ((await subscribers(server)) > 0 && sent < 300) {
      sent += 1;
      await sendText(ada, chat.id, `${sent} ${big}`, `m${sent}`);
    }
    // Cut long before everything was sent (kernel buffers hold some hundreds of KB at most).
    expect(sent).toBeLessThan(300);
    // Three more after the cut: only a resume can get them.
    for (const n of [1, 2, 3]) await sendText(ada, chat.id, `${sent + n} after`, `a${n}`);
    tcp.resume();
    // The stream ends as tRPC ended it for a subscriber too far behind.
    // (the error, then `stopped`, as tRPC's adapter ends a stream that fails).
    await vi.waitFor(
      () =>
        expect(sock.of(1).slice(-2)).toMatchObject([
          { id: 1, error: { data: { code: 'INTERNAL_SERVER_ERROR' } } },
          { id: 1, result: { type: 'stopped' } },
        ]),
      { timeout: 10_000 },
    );
    // The frame that crossed the bound was sent; nothing after it.
    const first = dataOf(sock.of(1));
    expect(first.length).toBeLessThanOrEqual(sent);
    // Resume from the last id received: the rest follows, in order, nothing twice.
    const lastId = first.at(-1)?.result?.id ?? head;
    sock.subscribe(2, lastId);
    const total = sent + 3;
    await vi.waitFor(() => expect(dataOf(sock.of(2)).length).toBe(total - first.length), {
      timeout: 10_000,
    });
    const numbers = [...first, ...dataOf(sock.of(2))].map((f) => Number(textOf(f).split(' ')[0]));
    expect(numbers).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('replays a page of long messages that outgrows the buffer bound in one go without cutting a reading socket', async () => {
    // Frames written in one tick are held back together (one writev per socket), but never
    // more than 64 KiB of them: the rest reaches the kernel as written, so a replay page of
    // long messages to a socket that reads is not mistaken for a slow consumer.
    await using scene = await directChatScene(dialect, {
      WS_MAX_BUFFERED_BYTES: String(128 * 1024),
      SEND_RATE_LIMIT: '1000',
      MESSAGE_MAX_LENGTH: '65536',
    });
    const { ada, chat, head, sock } = scene;
    const big = 'x'.repeat(60_000);
    for (let n = 1; n <= 5; n++) await sendText(ada, chat.id, `${n} ${big}`, `m${n}`);
    sock.subscribe(1, head);
    await vi.waitFor(() => expect(dataOf(sock.of(1))).toHaveLength(5), { timeout: 10_000 });
    expect(dataOf(sock.of(1)).map((f) => Number(textOf(f).split(' ')[0]))).toEqual([1, 2, 3, 4, 5]);
    expect(sock.of(1).some((f) => f.error)).toBe(false);
  });

  it('ends the stream with UNAUTHORIZED when the token expires, delivering nothing after', async () => {
    await using scene = await directChatScene(dialect);
    const { server, ada, chat, head, sock } = scene;
    sock.subscribe(1, head);
    await vi.waitFor(() => expect(sock.of(1)).toEqual([{ id: 1, result: { type: 'started' } }]));
    await sendText(ada, chat.id, 'before');
    await vi.waitFor(() => expect(dataOf(sock.of(1))).toHaveLength(1));
    server.clock.advance(15 * 60_000 + 1_000);
    ada.auth = await httpClient(server).auth.refresh.mutate({
      refreshToken: ada.auth.refreshToken,
    });
    await sendText(ada, chat.id, 'after');
    await vi.waitFor(() => expect(sock.of(1).slice(-2)).toEqual(TOKEN_EXPIRED_FRAMES));
    expect(dataOf(sock.of(1)).map(textOf)).toEqual(['before']);
    await vi.waitFor(async () => expect(await subscribers(server)).toBe(0));
  });

  it('ends a quiet stream with UNAUTHORIZED once its token expires, with nothing sent to it', async () => {
    await using scene = await directChatScene(dialect);
    const { server, sock } = scene;
    sock.subscribe(1, scene.head);
    await vi.waitFor(() => expect(sock.of(1)).toEqual([{ id: 1, result: { type: 'started' } }]));
    server.clock.advance(15 * 60_000 + 1_000);
    // The server's expiry sweep runs once a second.
    await vi.waitFor(() => expect(sock.of(1).slice(1)).toEqual(TOKEN_EXPIRED_FRAMES), {
      timeout: 5_000,
    });
    await vi.waitFor(async () => expect(await subscribers(server)).toBe(0));
  });

  it("withholds a blocker's typing from the blocked user's live stream (block applied while live)", async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cal] = await registerUsers(server, 'Ada', 'Ben', 'Cal');
    const group = await cal.client.groups.create.mutate({
      name: 'Climbing',
      userIds: [ada.id, ben.id],
    });
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    using sock = await rawSocket(server, ben);
    sock.subscribe(1, head);
    await vi.waitFor(() => expect(sock.of(1)).toEqual([{ id: 1, result: { type: 'started' } }]));
    const typingFrom = (userId: string) =>
      dataOf(sock.of(1)).filter((f) => {
        const d = f.result?.data as { type?: string; userId?: string };
        return d.type === 'typing' && d.userId === userId;
      });
    await ada.client.typing.set.mutate({ conversationId: group.id, isTyping: true });
    await vi.waitFor(() => expect(typingFrom(ada.id)).toHaveLength(1));
    // Ada blocks Ben while his stream is live: the hub's private note reaches it.
    await ada.client.users.block.mutate({ userId: ben.id });
    await ada.client.typing.set.mutate({ conversationId: group.id, isTyping: false });
    await cal.client.typing.set.mutate({ conversationId: group.id, isTyping: true });
    await sendText(cal, group.id, 'marker');
    await vi.waitFor(() => expect(dataOf(sock.of(1)).map(textOf)).toContain('marker'));
    // Cal's typing still comes through; Ada's after the block does not.
    expect(typingFrom(cal.id).length).toBeGreaterThan(0);
    expect(typingFrom(ada.id)).toHaveLength(1);
    // The block itself is never delivered to Ben.
    expect(sock.texts.some((t) => t.includes('"block.changed"'))).toBe(false);
  });
});
