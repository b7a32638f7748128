import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { memoryStorage, ParleyError } from '../src/index.ts';
import { connected, signedUpClient, testClient } from './helpers/sdk.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

describe('the outbox', () => {
  it('marks a message failed after repeated failures, and retry() sends it once', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada', { maxSendAttempts: 3 });
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });

    // Every send fails as a write failing on the server does; the live connection stays up.
    proxy.failCalls('messages.send');
    const outgoing = ada.parley.messages.send({ conversationId: chat.id, text: 'stubborn' });
    const failure = await outgoing.sent.catch((e) => e);
    expect(failure).toBeInstanceOf(ParleyError);
    expect(failure).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 });
    expect(outgoing).toMatchObject({ status: 'failed', error: failure });
    expect(ada.parley.messages.pending(chat.id)).toEqual([outgoing]);

    proxy.failCalls(null);
    const stored = await outgoing.retry();
    expect(outgoing.status).toBe('sent');
    expect(stored.clientMessageId).toBe(outgoing.clientMessageId);
    await vi.waitFor(() => expect(ben.texts()).toEqual(['stubborn']));
    expect(ada.parley.messages.pending()).toEqual([]);
  });

  it('fails at once on a refusal that a retry cannot fix', async () => {
    await using server = await startTestServer({ env: { MESSAGE_MAX_LENGTH: '10' } });
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });
    const outgoing = ada.parley.messages.send({ conversationId: chat.id, text: 'far too long' });
    await expect(outgoing.sent).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(outgoing.discard()).toBe(true);
    expect(ada.parley.messages.pending()).toEqual([]);
  });

  it('survives a restart of the app: the stored outbox is sent by the next client', async () => {
    await using server = await startTestServer();
    await using proxy = await startTcpProxy(server.url);
    const storage = memoryStorage();
    const first = await signedUpClient(proxy.url, 'Ada', { storage });
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await first.parley.conversations.openDirect({
      userId: ben.parley.session!.user.id,
    });
    const adaId = first.parley.session!.user.id;
    proxy.refuse('messages.send');
    const queued = first.parley.messages.send({ conversationId: chat.id, text: 'from before' });
    expect(storage.getItem(`parley:outbox:${adaId}`)).toContain('from before');
    await first.parley.close(); // the app is closed before the message could go out

    proxy.refuse(null);
    await using second = testClient(proxy.url, { storage });
    // The session comes back synchronously from a synchronous storage.
    expect(second.parley.session?.user.displayName).toBe('Ada');
    const [restored] = second.parley.messages.pending();
    expect(restored).toMatchObject({ clientMessageId: queued.clientMessageId, status: 'pending' });
    await restored!.sent;
    await connected(second);
    await vi.waitFor(() => expect(ben.texts()).toEqual(['from before']));
    const history = await ben.parley.messages.list({ conversationId: chat.id });
    expect(history.messages.map((m) => m.text)).toEqual(['from before']);
    expect(storage.getItem(`parley:outbox:${adaId}`)).toBeNull();
    await vi.waitFor(() => expect(storage.getItem(`parley:cursor:${adaId}`)).not.toBeNull());

    await second.parley.auth.logout();
    expect(second.parley.session).toBeNull();
    const keys = ['session', `outbox:${adaId}`, `cursor:${adaId}`];
    expect(keys.map((k) => storage.getItem(`parley:${k}`))).toEqual([null, null, null]);
  });

  it('keeps the outbox of an expired session for the same user, never for another', async () => {
    await using server = await startTestServer({ env: { REFRESH_TOKEN_TTL_DAYS: '1' } });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada', { maxSendAttempts: 100 });
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });
    // Sends fail (over the open socket, which stays up): the message waits in the outbox.
    proxy.failCalls('messages.send');
    const queued = ada.parley.messages.send({ conversationId: chat.id, text: 'kept' });

    server.clock.advance(2 * 24 * 3600_000); // the refresh token is past its lifetime
    await expect(ada.parley.users.me()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(ada.parley.session).toBeNull();
    expect(queued.status).toBe('pending');
    const refused = ada.parley.messages.send({ conversationId: chat.id, text: 'signed out' });
    await expect(refused.sent).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    proxy.failCalls(null);
    // Ben's session has run out too: he signs in again (and resumes where he was).
    await ben.parley.auth.login({ email: ben.email, password: ben.password });
    await connected(ben);
    await ada.parley.auth.login({ email: ada.email, password: ada.password });
    expect((await queued.sent).text).toBe('kept');
    await vi.waitFor(() => expect(ben.texts()).toEqual(['kept']));

    // Ben signing in on Ada's device sees nothing of hers.
    await ada.parley.auth.logout();
    await ada.parley.auth.login({ email: ben.email, password: ben.password });
    expect(ada.parley.messages.pending()).toEqual([]);
  });
});
