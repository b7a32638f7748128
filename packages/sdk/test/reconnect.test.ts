import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import { connected, signedUpClient } from './helpers/sdk.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

describeEachDialect('a connection cut in the middle of a send', (dialect) => {
  it('stores the message once, delivers it once, and keeps the order of what followed', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    // Ada's every byte (HTTP and WebSocket) goes through the proxy; Ben talks to the server.
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    // The server stores the first message, then the network dies before Ada hears back.
    const cut = proxy.cutOnResponse('messages.send');
    const first = ada.parley.messages.send({ conversationId: chat.id, text: 'one' });
    const second = ada.parley.messages.send({ conversationId: chat.id, text: 'two' });
    await cut;
    const third = ada.parley.messages.send({ conversationId: chat.id, text: 'three' });

    // Ada's client reconnects by itself, resumes the stream and flushes the outbox.
    const stored = await Promise.all([first.sent, second.sent, third.sent]);
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect([first.status, second.status, third.status]).not.toContain('pending');
    expect(ada.events.connection.map((c) => c.status)).toEqual(
      expect.arrayContaining(['connected', 'reconnecting']),
    );
    await connected(ada);

    // A last message from Ben: once it has arrived everywhere, nothing else is in flight.
    await ben.parley.messages.send({ conversationId: chat.id, text: 'got them' }).sent;
    await vi.waitFor(() => expect(ben.texts()).toContain('got them'));
    await vi.waitFor(() => expect(ada.texts()).toContain('got them'));
    expect(ben.texts()).toEqual(['one', 'two', 'three', 'got them']);
    expect(ada.texts()).toEqual(['one', 'two', 'three', 'got them']);

    const history = await ben.parley.messages.list({ conversationId: chat.id });
    expect(history.messages.map((m) => m.text)).toEqual(['one', 'two', 'three', 'got them']);
    expect(history.messages[0]!.clientMessageId).toBe(first.clientMessageId);
    expect(ada.parley.messages.pending()).toEqual([]);
  });

  it('resumes after a server restart without losing or repeating an event', async () => {
    await using server = await startTestServer({ dialect });
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ben.parley.conversations.openDirect({ userId: ada.parley.session!.user.id });
    await ben.parley.messages.send({ conversationId: chat.id, text: 'before' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toEqual(['before']));

    await server.restart();
    // Sent while Ada's socket is down (or not yet back): she gets it from the replay.
    await ben.parley.messages.send({ conversationId: chat.id, text: 'during' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toEqual(['before', 'during']));
    await connected(ada);
    await ben.parley.messages.send({ conversationId: chat.id, text: 'after' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toEqual(['before', 'during', 'after']));
    const ids = ada.events.event.flatMap((e) => ('id' in e ? [e.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
