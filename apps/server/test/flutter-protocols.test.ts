import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { EventSource } from 'eventsource';
import { expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

// What a non-TypeScript client (the Flutter app) does: plain SSE and raw WebSocket frames.

describeEachDialect('live events without the SDK', (dialect) => {
  it('SSE: a plain EventSource resumes with Last-Event-ID after the connection drops, without a gap', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    const url = new URL(`${server.url}/trpc/events.subscribe`);
    url.searchParams.set('input', JSON.stringify({ lastEventId: head }));
    url.searchParams.set('connectionParams', JSON.stringify({ token: ben.auth.accessToken }));
    const events: { id: string; event: StreamEvent }[] = [];
    let opened = 0;
    const source = new EventSource(url);
    source.addEventListener('open', () => {
      opened += 1;
    });
    source.addEventListener('message', (m) => {
      events.push({ id: m.lastEventId, event: JSON.parse(m.data) as StreamEvent });
    });
    try {
      const send = (n: number) =>
        ada.client.messages.send.mutate({
          conversationId: chat.id,
          clientMessageId: `s${n}`,
          text: `#${n}`,
        });
      await vi.waitFor(() => expect(opened).toBe(1));
      await send(1);
      await send(2);
      await vi.waitFor(() => expect(events).toHaveLength(2));
      // The connection drops (the server restarts); meanwhile three more messages arrive.
      await server.restart();
      for (const n of [3, 4, 5]) await send(n);
      // EventSource reconnects on its own, sending Last-Event-ID: the server replays 3..5.
      await vi.waitFor(() => expect(events).toHaveLength(5), { timeout: 15_000 });
      expect(opened).toBe(2);
      expect(
        events.map((e) => (e.event.type === 'message.created' ? e.event.message.text : '')),
      ).toEqual(['#1', '#2', '#3', '#4', '#5']);
      expect(events.every((e) => e.id === e.event.id)).toBe(true);
    } finally {
      source.close();
    }
  });

  it('WebSocket: the frames documented in /asyncapi.json and docs/flutter.md', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const head = (await ben.client.events.head.query()).lastEventId ?? '';
    const ws = new WebSocket(`${server.wsUrl}?connectionParams=1`);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (raw) => {
      const text = String(raw);
      if (text === 'PING') ws.send('PONG');
      else frames.push(JSON.parse(text));
    });
    await new Promise((resolve) => ws.once('open', resolve));
    try {
      ws.send(
        JSON.stringify({ method: 'connectionParams', data: { token: ben.auth.accessToken } }),
      );
      ws.send(
        JSON.stringify({
          id: 1,
          method: 'subscription',
          params: { path: 'events.subscribe', input: { lastEventId: head } },
        }),
      );
      ws.send(JSON.stringify({ id: 2, method: 'query', params: { path: 'users.me' } }));
      await vi.waitFor(() => {
        expect(frames).toContainEqual({ id: 1, result: { type: 'started' } });
        expect(frames).toContainEqual(
          expect.objectContaining({
            id: 2,
            result: { type: 'data', data: expect.objectContaining({ id: ben.id }) },
          }),
        );
      });
      const sent = await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'w1',
        text: 'over raw WS',
      });
      await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
      await vi.waitFor(() => {
        // Durable events carry their id: result.id, and result.data = { id, data: event }.
        expect(frames).toContainEqual({
          id: 1,
          result: {
            type: 'data',
            id: expect.any(String),
            data: {
              id: expect.any(String),
              data: expect.objectContaining({
                type: 'message.created',
                message: expect.objectContaining({ id: sent.id }),
              }),
            },
          },
        });
        // Ephemeral events carry no id: result.data is the event itself.
        expect(frames).toContainEqual({
          id: 1,
          result: {
            type: 'data',
            data: { type: 'typing', conversationId: chat.id, userId: ada.id, isTyping: true },
          },
        });
      });
      ws.send(JSON.stringify({ id: 1, method: 'subscription.stop' }));
      await vi.waitFor(() => expect(frames).toContainEqual({ id: 1, result: { type: 'stopped' } }));
    } finally {
      ws.close();
    }
  });
});
