import type { AppRouter } from '@parley/api';
import { pruneEventLog } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import type { TRPCClientError } from '@trpc/client';
import { expect, it, vi } from 'vitest';
import {
  deferred,
  refreshTokens,
  registerUsers,
  type TestUser,
  wsClient,
} from './helpers/clients.ts';
import { insertForeignEvents } from './helpers/log-fixture.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const DAY = 24 * 3600_000;

/** The error a WebSocket subscription from `from` ends with (it yields nothing before). */
async function resumeError(server: TestServer, user: TestUser, from: string) {
  await using ws = wsClient(server, () => user.auth.accessToken);
  const ended = deferred<TRPCClientError<AppRouter>>();
  const items: unknown[] = [];
  const subscription = ws.client.events.subscribe.subscribe(
    { lastEventId: from },
    {
      onData: (item) => items.push(item),
      onError: (error) => ended.resolve(error as TRPCClientError<AppRouter>),
    },
  );
  try {
    const error = await ended.promise;
    expect(items).toEqual([]);
    return error;
  } finally {
    subscription.unsubscribe();
  }
}

/** The first `serialized-error` of a plain SSE request for the stream, as Flutter makes it. */
async function sseError(server: TestServer, user: TestUser, lastEventId: string) {
  const url = new URL(`${server.url}/trpc/events.subscribe`);
  url.searchParams.set('connectionParams', JSON.stringify({ token: user.auth.accessToken }));
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const match = /event: serialized-error\ndata: (.*)\n/.exec(text);
      if (match) return JSON.parse(match[1]!) as { data: { code: string; reason?: string } };
    }
  } finally {
    controller.abort();
  }
  throw new Error(`no serialized-error in: ${text}`);
}

describeEachDialect('event log retention', (dialect) => {
  it('prunes exactly the events older than the window; a resume from before it answers RESYNC_REQUIRED (WebSocket and SSE)', async () => {
    await using server = await startTestServer({
      dialect,
      env: { EVENT_RETENTION_DAYS: '1', SEND_RATE_LIMIT: '100000' },
    });
    const { db } = server.server.db;
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const away = (await ben.client.events.head.query()).lastEventId!;
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'o',
      text: 'old',
    });
    await insertForeignEvents(server, { count: 2_500 }); // more than one pruning batch
    const old = await db.selectFrom('events').select('id').execute();

    server.clock.advance(2 * DAY);
    await refreshTokens(server, ada);
    await refreshTokens(server, ben);
    const recent = (await ben.client.events.head.query()).lastEventId!;
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'n',
      text: 'new',
    });
    const young = await db.selectFrom('events').select('id').where('id', '>', recent).execute();

    // Every old event goes, every young one stays (the newest event always stays too: ids
    // continue from it).
    expect(await server.server.pruneEventLog()).toBe(old.length);
    const left = await db.selectFrom('events').select('id').orderBy('id').execute();
    expect(left.map((e) => e.id)).toEqual(young.map((e) => e.id));
    expect(await server.server.pruneEventLog()).toBe(0); // nothing more is due

    // From before the window: refused, never a silent gap.
    const ws = await resumeError(server, ben, away);
    expect(ws.data).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'RESYNC_REQUIRED' });
    expect(ws.message).toMatch(/^RESYNC_REQUIRED/);
    const sse = await sseError(server, ben, away);
    expect(sse.data).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'RESYNC_REQUIRED' });
    expect((await resumeError(server, ben, '')).data?.reason).toBe('RESYNC_REQUIRED');

    // From within it: the usual replay.
    await using back = await connectDevice(server, ben, recent);
    await vi.waitFor(() => expect(back.durable).toHaveLength(young.length));
    expect(back.durable.find((e) => e.type === 'message.created')).toMatchObject({
      message: { text: 'new' },
    });
  });

  it('prunes in small batches while writers and readers keep going, without an error or a gap', async () => {
    await using server = await startTestServer({
      dialect,
      env: { EVENT_RETENTION_DAYS: '1', SEND_RATE_LIMIT: '100000' },
    });
    const { db } = server.server.db;
    await insertForeignEvents(server, { count: 20_000 });
    server.clock.advance(2 * DAY);
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using reader = await connectDevice(server, ben);
    const olderThan = new Date(server.clock.now() - DAY).toISOString();

    const pruning = pruneEventLog({ db }, olderThan, { batchSize: 200 });
    const writers = Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 25; i++) {
          await (w % 2 ? ben : ada).client.messages.send.mutate({
            conversationId: chat.id,
            clientMessageId: `w${w}-${i}`,
            text: `w${w}-${i}`,
          });
          // Readers too: history and the conversation list.
          await ada.client.messages.list.query({ conversationId: chat.id, limit: 20 });
        }
      }),
    );
    const [deleted] = await Promise.all([pruning, writers]);
    expect(deleted).toBe(20_000);
    await vi.waitFor(() =>
      expect(reader.durable.filter((e) => e.type === 'message.created')).toHaveLength(100),
    );
    const seqs = reader.durable.flatMap((e) =>
      e.type === 'message.created' ? [e.message.seq] : [],
    );
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const history = await ben.client.messages.list.query({ conversationId: chat.id, limit: 100 });
    expect(history.messages).toHaveLength(100);
  });
});
