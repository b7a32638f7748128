import type { AppRouter, StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { expect, it, vi } from 'vitest';
import {
  deferred,
  errorCode,
  httpClient,
  registerUser,
  registerUsers,
  wsClient,
} from './helpers/clients.ts';
import { insertForeignEvents } from './helpers/log-fixture.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

type Received = { id?: string; data: StreamEvent };

describeEachDialect('live events', (dialect) => {
  it('delivers message events over WebSocket and resumes from the last event id', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const eve = await registerUser(server, 'Eve');
    await using benWs = wsClient(server, () => ben.auth.accessToken);
    await using eveWs = wsClient(server, () => eve.auth.accessToken);
    const received: Received[] = [];
    const eveReceived: unknown[] = [];
    const started = deferred();
    const sub = benWs.client.events.subscribe.subscribe(
      {},
      { onStarted: () => started.resolve(), onData: (d) => received.push(d as Received) },
    );
    const eveSub = eveWs.client.events.subscribe.subscribe(
      {},
      { onData: (d) => eveReceived.push(d) },
    );
    await started.promise;

    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const msg = await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'live-1',
      text: 'hello Ben',
    });
    await vi.waitFor(() =>
      expect(received.map((r) => r.data.type)).toEqual(['conversation.created', 'message.created']),
    );
    const created = received[1]!;
    expect(created.id).toBe(created.data.id);
    expect(created.data).toMatchObject({
      type: 'message.created',
      message: { id: msg.id, text: 'hello Ben' },
    });
    sub.unsubscribe();

    // Missed while away: an edit, a reaction and another message; then resume.
    await ada.client.messages.edit.mutate({ messageId: msg.id, text: 'hello again' });
    await ada.client.messages.react.mutate({ messageId: msg.id, emoji: '👋' });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'live-2',
      text: 'still there?',
    });
    const resumed: Received[] = [];
    benWs.client.events.subscribe.subscribe(
      { lastEventId: created.id },
      { onData: (d) => resumed.push(d as Received) },
    );
    await vi.waitFor(() =>
      expect(resumed.map((r) => r.data.type)).toEqual([
        'message.edited',
        'reaction.added',
        'message.created',
      ]),
    );
    await ben.client.conversations.markRead.mutate({ conversationId: chat.id });
    await vi.waitFor(() =>
      expect(resumed.at(-1)?.data).toMatchObject({
        type: 'receipt',
        userId: ben.id,
        lastReadSeq: 2,
      }),
    );
    expect(new Set(resumed.map((r) => r.id)).size).toBe(resumed.length);
    // Eve shares no conversation with them and saw nothing.
    expect(eveReceived).toEqual([]);
    eveSub.unsubscribe();
  });

  it('rejects a subscription without a valid token', async () => {
    await using server = await startTestServer({ dialect });
    await using anon = wsClient(server, () => 'not-a-token');
    const error = deferred<unknown>();
    anon.client.events.subscribe.subscribe({}, { onError: (e) => error.resolve(e) });
    expect(await error.promise).toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('serves the same stream over SSE', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const ben = await registerUser(server, 'Ben');
    const sse = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url: `${server.url}/trpc`,
            EventSource,
            connectionParams: () => ({ token: ben.auth.accessToken }),
          }),
          false: httpBatchLink({ url: `${server.url}/trpc` }),
        }),
      ],
    });
    const received: Received[] = [];
    const started = deferred();
    const sub = sse.events.subscribe.subscribe(
      {},
      { onStarted: () => started.resolve(), onData: (d) => received.push(d as Received) },
    );
    await started.promise;
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 's1',
      text: 'over SSE',
    });
    await vi.waitFor(() =>
      expect(received.map((r) => r.data.type)).toEqual(['conversation.created', 'message.created']),
    );
    sub.unsubscribe();
  });
});

/** Subscribes on `ws` from `lastEventId` once it has started: what it delivers, how it ends. */
async function subscribed(ws: ReturnType<typeof wsClient>, lastEventId: string) {
  const received: Received[] = [];
  const ended = deferred<unknown>();
  const started = deferred();
  ws.client.events.subscribe.subscribe(
    { lastEventId },
    {
      onStarted: () => started.resolve(),
      onData: (d) => received.push(d as Received),
      onError: (e) => ended.resolve(e),
    },
  );
  await started.promise;
  return { received, ended: ended.promise };
}

describeEachDialect('access token expiry on a live stream', (dialect) => {
  it('ends the stream with UNAUTHORIZED; after a refresh the device resumes without a gap', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    await using benWs = wsClient(server, () => ben.auth.accessToken);
    const { received, ended } = await subscribed(benWs, head);
    // Both tokens expire; Ada refreshes hers and writes. Ben's stream must not deliver it.
    server.clock.advance(15 * 60_000 + 1_000);
    ada.auth = await httpClient(server).auth.refresh.mutate({
      refreshToken: ada.auth.refreshToken,
    });
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'x1',
      text: 'while expired',
    });
    expect(await ended).toMatchObject({
      data: { code: 'UNAUTHORIZED' },
      message: 'Access token expired',
    });
    expect(received).toEqual([]);
    // Other calls on the same socket are refused too.
    expect(await errorCode(benWs.client.users.me.query())).toBe('UNAUTHORIZED');

    ben.auth = await httpClient(server).auth.refresh.mutate({
      refreshToken: ben.auth.refreshToken,
    });
    await using fresh = await connectDevice(server, ben, head);
    await vi.waitFor(() => expect(fresh.durable.map((e) => e.type)).toEqual(['message.created']));
  });

  it('stops a long replay when the token expires during it', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    // 5,000 events for Ben to replay: 25 pages, other work running between them.
    const count = 5_000;
    await insertForeignEvents(server, {
      count,
      addressed: { userId: ben.id, conversationId: chat.id, every: 1 },
    });
    await using benWs = wsClient(server, () => ben.auth.accessToken);
    const { received, ended } = await subscribed(benWs, head);
    server.clock.advance(15 * 60_000 + 1_000);
    expect(await ended).toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    expect(received.length).toBeLessThan(count);
  });
});

describeEachDialect('limits on a connection', (dialect) => {
  it('allows a few subscriptions per WebSocket, refuses more, and frees the slot on stop', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using ws = wsClient(server, () => ben.auth.accessToken);
    // A subscription counts once its stream runs; it proves that by delivering an event.
    const subscribe = () => {
      const received: unknown[] = [];
      const error = deferred<string>();
      const sub = ws.client.events.subscribe.subscribe(
        { lastEventId: '' },
        { onData: (d) => received.push(d), onError: (e) => error.resolve(String(e.data?.code)) },
      );
      return { sub, received, error: error.promise };
    };
    const open = Array.from({ length: 5 }, subscribe);
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'l1',
      text: 'hi',
    });
    await vi.waitFor(() => {
      for (const s of open) expect(s.received.length).toBeGreaterThan(0);
    });
    expect(await subscribe().error).toBe('TOO_MANY_REQUESTS');
    open[0]!.sub.unsubscribe();
    await vi.waitFor(async () => {
      const again = subscribe();
      await vi.waitFor(() => expect(again.received.length).toBeGreaterThan(0));
    });
  });
});
