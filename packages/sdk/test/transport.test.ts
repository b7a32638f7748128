import { randomUUID } from 'node:crypto';
import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { type ParleyError, toParleyError } from '../src/errors.ts';
import { connected, signedUpClient, type TestClient } from './helpers/sdk.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/** tRPC calls that went over HTTP through the proxy (not the WebSocket upgrade). */
const httpCalls = (proxy: TcpProxy, path: string) =>
  proxy.httpRequests.filter((r) => r.includes(`/trpc/${path}`));
/** Calls of `path` sent over the WebSocket through the proxy, with their input. */
const socketCalls = (proxy: TcpProxy, path: string) =>
  proxy.wsFrames
    .flatMap((frame) => [JSON.parse(frame)].flat())
    .filter((m: { params?: { path?: string } }) => m.params?.path === path)
    .map((m: { params: { input: unknown } }) => m.params.input);

/** Takes the client's WebSocket down and keeps it down until `proxy.refuse(null)`. */
async function socketDown(proxy: TcpProxy, client: TestClient): Promise<void> {
  proxy.refuse('Upgrade: websocket');
  proxy.cut();
  await vi.waitFor(() => expect(client.parley.connection.status).toBe('reconnecting'));
}

const errorFields = (e: ParleyError) => ({
  code: e.code,
  httpStatus: e.httpStatus,
  message: e.message,
  issues: e.issues,
  retryAfter: typeof e.retryAfterMs,
});

describe('queries and mutations over the live WebSocket', () => {
  it('go over the socket while it is open, and over HTTP while it is not', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    // Before sign-in there is no socket: HTTP.
    expect(httpCalls(proxy, 'auth.register')).toHaveLength(1);
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    const httpBefore = proxy.httpRequests.length;
    await ada.parley.messages.send({ conversationId: chat.id, text: 'over the socket' }).sent;
    expect((await ada.parley.conversations.list()).items).toHaveLength(1);
    expect(proxy.httpRequests.slice(httpBefore)).toEqual([]);
    expect(socketCalls(proxy, 'messages.send')).toHaveLength(1);
    expect(socketCalls(proxy, 'conversations.list')).toHaveLength(1);

    // The socket is down and cannot come back: calls do not wait for it.
    await socketDown(proxy, ada);
    await ada.parley.messages.send({ conversationId: chat.id, text: 'over HTTP' }).sent;
    expect((await ada.parley.conversations.list()).items).toHaveLength(1);
    expect(httpCalls(proxy, 'messages.send')).toHaveLength(1);
    expect(httpCalls(proxy, 'conversations.list')).toHaveLength(1);

    proxy.refuse(null);
    await connected(ada);
    await ada.parley.messages.send({ conversationId: chat.id, text: 'back on the socket' }).sent;
    expect(httpCalls(proxy, 'messages.send')).toHaveLength(1);
    expect(socketCalls(proxy, 'messages.send')).toHaveLength(2);

    const texts = ['over the socket', 'over HTTP', 'back on the socket'];
    await vi.waitFor(() => expect(ben.texts()).toEqual(texts));
    const history = await ben.parley.messages.list({ conversationId: chat.id });
    expect(history.messages.map((m) => m.text)).toEqual(texts);
  });

  it('stores a send whose socket died before the answer exactly once', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    // The server stores the message and answers; the network dies before Ada hears of it.
    const clientMessageId = randomUUID();
    const cut = proxy.cutOnAnswer(clientMessageId);
    const first = ada.parley.messages.send({
      conversationId: chat.id,
      text: 'cut',
      clientMessageId,
    });
    const second = ada.parley.messages.send({ conversationId: chat.id, text: 'queued' });
    await cut;
    expect(socketCalls(proxy, 'messages.send')).toEqual([
      expect.objectContaining({ clientMessageId }),
    ]);
    expect(httpCalls(proxy, 'messages.send')).toEqual([]);

    const [stored] = await Promise.all([first.sent, second.sent]);
    expect(stored.clientMessageId).toBe(clientMessageId);
    expect([first.status, second.status]).not.toContain('pending');
    await ben.parley.messages.send({ conversationId: chat.id, text: 'got them' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toContain('got them'));
    expect(ben.texts()).toEqual(['cut', 'queued', 'got them']);
    expect(ada.texts()).toEqual(['cut', 'queued', 'got them']);
    const history = await ben.parley.messages.list({ conversationId: chat.id });
    expect(history.messages.map((m) => m.text)).toEqual(['cut', 'queued', 'got them']);
    expect(ada.parley.messages.pending()).toEqual([]);
  });

  it('refreshes an access token the socket call was refused with, and retries once', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    // Every access token is expired for the server; the socket stays open and Ada's clock
    // says her token is fine: only the answers over the socket can tell her.
    server.clock.advance(16 * 60_000);
    const list = ada.parley.conversations.list();
    const sent = ada.parley.messages.send({ conversationId: chat.id, text: 'after expiry' }).sent;
    expect((await list).items.map((c) => c.id)).toEqual([chat.id]);
    expect((await sent).text).toBe('after expiry');
    expect(socketCalls(proxy, 'conversations.list').length).toBeGreaterThanOrEqual(1);
    const changes = ada.events.session.map((s) => s.change);
    // One refresh for both calls and the socket: a second would have spent a rotated token.
    expect(changes.filter((c) => c === 'refresh')).toHaveLength(1);
    expect(changes).not.toContain('expired');

    await connected(ada);
    await vi.waitFor(() => expect(ben.texts()).toEqual(['after expiry']));
    await ben.parley.messages.send({ conversationId: chat.id, text: 'still live' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toEqual(['after expiry', 'still live']));
  });

  it('reports errors over the socket as it does over HTTP', async () => {
    await using server = await startTestServer({ env: { LOGIN_RATE_LIMIT: '1' } });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    const failures = async () => {
      const missing = await ada.parley.conversations
        .get({ conversationId: 'nope' })
        .catch(toParleyError);
      const invalid = await ada.parley.conversations
        .get({ conversationId: '' })
        .catch(toParleyError);
      const login = { email: ada.email, password: 'wrong password' };
      await ada.parley.auth.login(login).catch(() => undefined);
      const limited = await ada.parley.auth.login(login).catch(toParleyError);
      return [missing, invalid, limited] as ParleyError[];
    };

    const overSocket = await failures();
    expect(httpCalls(proxy, 'conversations.get')).toEqual([]);
    expect(httpCalls(proxy, 'auth.login')).toEqual([]);
    await socketDown(proxy, ada);
    const overHttp = await failures();
    expect(httpCalls(proxy, 'conversations.get')).not.toEqual([]);

    expect(overSocket.map(errorFields)).toEqual(overHttp.map(errorFields));
    expect(overSocket.map(errorFields)).toMatchObject([
      { code: 'NOT_FOUND', httpStatus: 404 },
      { code: 'BAD_REQUEST', httpStatus: 400, issues: [expect.anything()] },
      { code: 'TOO_MANY_REQUESTS', httpStatus: 429, retryAfter: 'number' },
    ]);
    expect(overSocket[2]!.retryAfterMs).toBeGreaterThan(0);
  });
});

describe('delivery acks', () => {
  it('acknowledge a burst with few acks over the socket, each higher than the last', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    // A long interval: the count below holds however the replay is split into frames.
    await using ada = await signedUpClient(proxy.url, 'Ada', { deliveryAckDelayMs: 1000 });
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ben.parley.conversations.openDirect({ userId: ada.parley.session!.user.id });
    const adaId = ada.parley.session!.user.id;

    // Twenty messages while Ada is away: her reconnect brings them all at once.
    await socketDown(proxy, ada);
    const texts = Array.from({ length: 20 }, (_, i) => `m${i + 1}`);
    for (const text of texts) ben.parley.messages.send({ conversationId: chat.id, text });
    await Promise.all(ben.parley.messages.pending().map((m) => m.sent));
    proxy.refuse(null);
    await vi.waitFor(() => expect(ada.texts()).toEqual(texts));

    const adaReceipts = () => ben.events.receipt.filter((r) => r.userId === adaId);
    await vi.waitFor(() => expect(adaReceipts().at(-1)?.lastDeliveredSeq).toBe(20), {
      timeout: 5000,
    });
    const acks = socketCalls(proxy, 'conversations.markDelivered') as { upToSeq: number }[];
    expect(httpCalls(proxy, 'conversations.markDelivered')).toEqual([]);
    expect(acks.length).toBeLessThanOrEqual(2);
    expect(acks.at(-1)).toEqual({ conversationId: chat.id, upToSeq: 20 });
    const seqs = acks.map((a) => a.upToSeq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const watermarks = adaReceipts().map((r) => r.lastDeliveredSeq);
    expect(watermarks).toEqual([...watermarks].sort((a, b) => a - b));
  });

  it('paces each conversation on its own: a busy chat waits for its interval, a calm one is acked at once', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    // An interval far longer than the test: whatever waits for it is never sent here.
    await using ada = await signedUpClient(proxy.url, 'Ada', { deliveryAckDelayMs: 600_000 });
    await using ben = await signedUpClient(server.url, 'Ben');
    await using cy = await signedUpClient(server.url, 'Cy');
    const adaId = ada.parley.session!.user.id;
    const busy = await ben.parley.conversations.openDirect({ userId: adaId });
    const calm = await cy.parley.conversations.openDirect({ userId: adaId });
    const deliveredTo = (client: typeof ben, conversationId: string) =>
      client.events.receipt
        .filter((r) => r.userId === adaId && r.conversationId === conversationId)
        .at(-1)?.lastDeliveredSeq ?? 0;

    // The busy chat's first message is acked at once; the next two wait for its interval.
    await ben.parley.messages.send({ conversationId: busy.id, text: 'b1' }).sent;
    await vi.waitFor(() => expect(deliveredTo(ben, busy.id)).toBe(1));
    for (const text of ['b2', 'b3']) {
      await ben.parley.messages.send({ conversationId: busy.id, text }).sent;
    }
    await vi.waitFor(() => expect(ada.texts()).toEqual(['b1', 'b2', 'b3']));
    // A message in another chat meanwhile: acked at once, not held behind the busy chat's.
    await cy.parley.messages.send({ conversationId: calm.id, text: 'c1' }).sent;
    await vi.waitFor(() => expect(deliveredTo(cy, calm.id)).toBe(1));
    expect(deliveredTo(ben, busy.id)).toBe(1);
    expect(socketCalls(proxy, 'conversations.markDelivered')).toEqual([
      { conversationId: busy.id, upToSeq: 1 },
      { conversationId: calm.id, upToSeq: 1 },
    ]);

    // A reconnect sends what waits, whatever the interval.
    await socketDown(proxy, ada);
    proxy.refuse(null);
    await vi.waitFor(() => expect(deliveredTo(ben, busy.id)).toBe(3), { timeout: 5000 });
  });
});
