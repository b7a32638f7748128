import { type Dialect, describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { registerUsers, type TestUser } from './helpers/clients.ts';
import { openRawSocket } from './helpers/raw-socket.ts';
import { startTestServer } from './helpers/test-server.ts';

// A WebSocket is served by apps/server/src/ws-connection.ts: Parley answers PING, reads the
// connectionParams message and serves the direct lanes itself, and attaches tRPC's own
// per-connection handler only when a message needs it; one keep-alive sweep covers every
// socket. These tests hold that to what tRPC's adapter answered on every socket before.

/** A raw socket that keeps every text frame it gets (PING included) and its close code. */
async function bareSocket(url: string) {
  const ws = new WebSocket(url);
  const texts: string[] = [];
  let closeCode: number | undefined;
  ws.on('message', (raw) => texts.push(String(raw)));
  ws.on('close', (code) => {
    closeCode = code;
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, texts, closed: () => closeCode, [Symbol.dispose]: () => ws.close() };
}

type Frame = {
  id: unknown;
  result?: { type: string; data?: { data?: { message?: { text?: string } } } };
};

const parseError = (message: string) =>
  JSON.stringify({
    id: null,
    error: { message, code: -32700, data: { code: 'PARSE_ERROR', httpStatus: 400 } },
  });
const MALFORMED_PARAMS = parseError('Malformed TRPCConnectionParamsMessage');
const BAD_PARAMS_SHAPE = parseError('Invalid connection params shape');
const unauthorized = (id: number, path: string) =>
  JSON.stringify({
    id,
    error: {
      message: 'Authentication required',
      code: -32001,
      data: { code: 'UNAUTHORIZED', httpStatus: 401, path },
    },
  });

function sendDirectText(user: TestUser, conversationId: string, text: string) {
  return user.client.messages.send.mutate({ conversationId, clientMessageId: text, text });
}

async function userScene(dialect: Dialect, env?: Record<string, string>) {
  const server = await startTestServer({ dialect, env });
  const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
  return {
    server,
    ada: ada!,
    ben: ben!,
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}

describeEachDialect('WebSocket connections', (dialect) => {
  it('pings a silent socket and terminates it when it stays silent; one that answers PONG stays', async () => {
    await using server = await startTestServer({
      dialect,
      env: { WS_PING_MS: '100', WS_PONG_WAIT_MS: '100' },
    });
    using silent = await bareSocket(server.wsUrl);
    using alive = await bareSocket(server.wsUrl);
    alive.ws.on('message', (raw) => {
      if (String(raw) === 'PING') alive.ws.send('PONG');
    });
    await vi.waitFor(() => expect(silent.closed()).toBe(1006), { timeout: 10_000 });
    expect(silent.texts).toEqual(['PING']);
    await vi.waitFor(() => expect(alive.texts.length).toBeGreaterThanOrEqual(3), {
      timeout: 10_000,
    });
    expect(alive.texts.every((t) => t === 'PING')).toBe(true);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("answers a refused connectionParams message with tRPC's frame, then closes", async () => {
    await using scene = await userScene(dialect);
    const url = `${scene.server.wsUrl}?connectionParams=1`;
    const good = JSON.stringify({
      method: 'connectionParams',
      data: { token: scene.ben.auth.accessToken },
    });
    const cases: [string | Buffer, string][] = [
      ['not json', MALFORMED_PARAMS],
      ['[1]', MALFORMED_PARAMS],
      [Buffer.from(good), MALFORMED_PARAMS], // a binary frame
      [JSON.stringify({ method: 'connectionParams', data: { token: 5 } }), BAD_PARAMS_SHAPE],
      [JSON.stringify({ method: 'connectionParams' }), BAD_PARAMS_SHAPE],
    ];
    for (const [message, frame] of cases) {
      using sock = await bareSocket(url);
      sock.ws.send(message);
      await vi.waitFor(() => expect(sock.closed()).toBe(1005));
      expect(sock.texts).toEqual([frame]);
    }
  });

  it("answers PING, unparsable and binary messages as tRPC did, before and after tRPC's handler is attached", async () => {
    await using scene = await userScene(dialect);
    const { server, ben } = scene;
    // No connectionParams in the URL: the context is created at once, without a token.
    using anonymous = await bareSocket(server.wsUrl);
    anonymous.ws.send('PING');
    anonymous.ws.send(
      JSON.stringify({ id: 2, method: 'subscription', params: { path: 'events.subscribe' } }),
    );
    await vi.waitFor(() =>
      expect(anonymous.texts).toEqual(['PONG', unauthorized(2, 'events.subscribe')]),
    );
    anonymous.ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'users.me' } }));
    await vi.waitFor(() => expect(anonymous.texts).toHaveLength(3));
    expect(anonymous.texts[2]).toBe(unauthorized(1, 'users.me'));
    // connectionParams with `data: null`: no token either.
    using nullParams = await bareSocket(`${server.wsUrl}?connectionParams=1`);
    nullParams.ws.send(JSON.stringify({ method: 'connectionParams', data: null }));
    nullParams.ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'users.me' } }));
    await vi.waitFor(() => expect(nullParams.texts).toEqual([unauthorized(1, 'users.me')]));
    // PING before the connectionParams message, PONG ignored; then messages tRPC refuses.
    using sock = await bareSocket(`${server.wsUrl}?connectionParams=1`);
    sock.ws.send('PING');
    sock.ws.send('PONG');
    sock.ws.send(
      JSON.stringify({ method: 'connectionParams', data: { token: ben.auth.accessToken } }),
    );
    sock.ws.send('PING');
    sock.ws.send('garbage');
    sock.ws.send(Buffer.from('{"id":2}'));
    sock.ws.send(JSON.stringify({ id: 3 }));
    sock.ws.send(JSON.stringify([{ id: null, method: 'query', params: { path: 'events.head' } }]));
    sock.ws.send('PING');
    await vi.waitFor(() => expect(sock.texts).toHaveLength(7));
    expect(sock.texts).toEqual([
      'PONG',
      'PONG',
      parseError(`Unexpected token 'g', "garbage" is not valid JSON`),
      parseError(
        'jsonEncoder received binary data. JSON uses text frames. Use a binary encoder for binary data.',
      ),
      parseError('Invalid procedure type'),
      parseError('`id` is required'),
      'PONG',
    ]);
    expect(sock.closed()).toBeUndefined();
  });
  it("serves tRPC's calls on a subscribed socket (tRPC's handler attached then), alone and in one array frame; the stream goes on once", async () => {
    await using scene = await userScene(dialect);
    const { server, ada, ben } = scene;
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    const { ws, texts, send } = await openRawSocket(server, ben);
    using _ = { [Symbol.dispose]: () => ws.close() };
    const frames = () => texts.map((t) => JSON.parse(t) as Frame);
    const of = (id: number) => frames().filter((f) => f.id === id);
    const texts1 = () =>
      of(1)
        .filter((f) => f.result?.type === 'data')
        .map((f) => f.result?.data?.data?.message?.text);
    send({
      id: 1,
      method: 'subscription',
      params: { path: 'events.subscribe', input: { lastEventId: head } },
    });
    await vi.waitFor(() => expect(of(1)).toEqual([{ id: 1, result: { type: 'started' } }]));
    await sendDirectText(ada, chat.id, 'before');
    await vi.waitFor(() => expect(texts1()).toEqual(['before']));
    // A query, then another mutation: tRPC's adapter answers them.
    send({ id: 2, method: 'query', params: { path: 'users.me' } });
    send({
      id: 3,
      method: 'mutation',
      params: { path: 'typing.set', input: { conversationId: chat.id, isTyping: false } },
    });
    await vi.waitFor(() => {
      expect(of(2)).toEqual([
        { id: 2, result: { type: 'data', data: expect.objectContaining({ id: ben.id }) } },
      ]);
      expect(of(3)).toEqual([{ id: 3, result: { type: 'data', data: { ok: true } } }]);
    });
    // One array frame: a query, a mutation tRPC answers, a send the direct lane answers.
    send([
      { id: 4, method: 'query', params: { path: 'events.head' } },
      {
        id: 5,
        method: 'mutation',
        params: { path: 'typing.set', input: { conversationId: chat.id, isTyping: false } },
      },
      {
        id: 6,
        method: 'mutation',
        params: {
          path: 'messages.send',
          input: { conversationId: chat.id, clientMessageId: 'from-ben', text: 'from ben' },
        },
      },
    ]);
    await vi.waitFor(() => {
      expect(of(4)).toEqual([
        { id: 4, result: { type: 'data', data: { lastEventId: expect.any(String) } } },
      ]);
      expect(of(5)).toEqual([{ id: 5, result: { type: 'data', data: { ok: true } } }]);
      expect(of(6)).toEqual([
        { id: 6, result: { type: 'data', data: expect.objectContaining({ text: 'from ben' }) } },
      ]);
    });
    // The stream carries on, each event once (tRPC's handler never took the subscription).
    await sendDirectText(ada, chat.id, 'after');
    await vi.waitFor(() => expect(texts1()).toEqual(['before', 'from ben', 'after']));
    send({ id: 1, method: 'subscription.stop' });
    await vi.waitFor(() => expect(of(1).at(-1)).toEqual({ id: 1, result: { type: 'stopped' } }));
    expect(texts1()).toEqual(['before', 'from ben', 'after']);
  });
});
