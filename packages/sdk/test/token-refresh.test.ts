import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import { memoryStorage } from '../src/index.ts';
import { connected, signedUpClient } from './helpers/sdk.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

const refreshes = (c: { events: { session: { change: string }[] } }) =>
  c.events.session.filter((s) => s.change === 'refresh').length;

describeEachDialect('an access token that expires during a live session', (dialect) => {
  it('is refreshed silently, once for HTTP and WebSocket together, and no event is lost', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ben.parley.conversations.openDirect({ userId: ada.parley.session!.user.id });
    await ben.parley.messages.send({ conversationId: chat.id, text: 'm1' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toEqual(['m1']));
    const adaToken = await ada.parley.getAccessToken();

    // 16 minutes pass on the server: every access token is now expired there, while the
    // clients' own clocks say they are fine, so only the server's refusal can tell them.
    server.clock.advance(16 * 60_000);
    // Ada's network drops: her socket comes back with the expired token and is refused, and
    // at the same moment her app makes an HTTP call that is refused too.
    proxy.cut();
    const list = ada.parley.conversations.list();
    // Ben keeps writing meanwhile (his own calls refresh his token on the way).
    for (const text of ['m2', 'm3', 'm4']) {
      await ben.parley.messages.send({ conversationId: chat.id, text }).sent;
    }

    expect((await list).items.map((c) => c.id)).toEqual([chat.id]);
    await vi.waitFor(() => expect(ada.texts()).toEqual(['m1', 'm2', 'm3', 'm4']));
    await connected(ada);
    expect(await ada.parley.getAccessToken()).not.toBe(adaToken);
    // One refresh each: a second one would have spent a rotated refresh token and signed out.
    expect(refreshes(ada)).toBe(1);
    expect(refreshes(ben)).toBe(1);
    expect(ada.events.session.map((s) => s.change)).not.toContain('expired');
    expect(ada.parley.session?.user.displayName).toBe('Ada');

    // And the live stream keeps flowing on the new token.
    await ben.parley.messages.send({ conversationId: chat.id, text: 'm5' }).sent;
    await vi.waitFor(() => expect(ada.texts()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']));
  });

  it('renews the token and the socket before the server would end the stream', async () => {
    // Two-second access tokens: the server ends a stream when its token expires.
    await using server = await startTestServer({ dialect, env: { ACCESS_TOKEN_TTL_SECONDS: '2' } });
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ben.parley.conversations.openDirect({ userId: ada.parley.session!.user.id });
    const texts: string[] = [];
    for (let round = 1; round <= 3; round++) {
      texts.push(`m${round}`);
      await ben.parley.messages.send({ conversationId: chat.id, text: `m${round}` }).sent;
      await vi.waitFor(() => expect(ada.texts()).toEqual(texts));
      await vi.waitFor(() => expect(refreshes(ada)).toBeGreaterThanOrEqual(round), {
        timeout: 5_000,
      });
    }
    // Renewed ahead of time each round: the stream never broke, nothing came twice.
    expect(ada.events.connection.map((c) => c.status)).toEqual(['connecting', 'connected']);
    const ids = ada.events.event.flatMap((e) => ('id' in e ? [e.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('signs out when the refresh token is refused, and forgets the tokens', async () => {
    await using server = await startTestServer({ dialect, env: { REFRESH_TOKEN_TTL_DAYS: '1' } });
    const storage = memoryStorage();
    await using ada = await signedUpClient(server.url, 'Ada', { storage });
    expect(storage.getItem('parley:session')).not.toBeNull();
    server.clock.advance(2 * 24 * 3600_000); // both tokens are past their lifetime
    const error = await ada.parley.users.me().catch((e) => e);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(ada.parley.session).toBeNull();
    expect(ada.events.session.at(-1)).toEqual({ change: 'expired', session: null });
    await vi.waitFor(() => expect(ada.parley.connection.status).toBe('closed'));
    expect(storage.getItem('parley:session')).toBeNull();
  });
});
