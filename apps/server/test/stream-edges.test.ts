import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers, wsClient } from './helpers/clients.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('resume ids and presence fan-out', (dialect) => {
  it('refuses a malformed resume id over WebSocket and SSE (Last-Event-ID included)', async () => {
    await using server = await startTestServer({ dialect });
    const [ada] = await registerUsers(server, 'Ada');
    await using socket = wsClient(server, () => ada.auth.accessToken);
    const refused = new Promise<unknown>((resolve) => {
      socket.client.events.subscribe.subscribe(
        { lastEventId: 'not-an-id' },
        { onError: resolve, onData: () => {} },
      );
    });
    expect(await errorCode(Promise.reject(await refused))).toBe('BAD_REQUEST');

    const sse = (input: object, headers: Record<string, string> = {}) => {
      const url = new URL(`${server.url}/trpc/events.subscribe`);
      url.searchParams.set('input', JSON.stringify(input));
      url.searchParams.set('connectionParams', JSON.stringify({ token: ada.auth.accessToken }));
      return fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
    };
    // Over SSE the refusal is tRPC's `serialized-error` event, and the stream ends.
    const errorEventOf = async (response: Response) => {
      const text = await response.text();
      const data = /event: serialized-error\ndata: (.*)\n/.exec(text)?.[1];
      return (JSON.parse(data ?? '{}') as { data?: { code?: string } }).data?.code;
    };
    expect(await errorEventOf(await sse({ lastEventId: '"; drop table events' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await errorEventOf(await sse({}, { 'last-event-id': 'not-an-id' }))).toBe('BAD_REQUEST');
  });

  it('treats a resume id beyond the newest event as the newest: live events still flow', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using device = await connectDevice(server, ben, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    await ada.client.messages.send.mutate({
      conversationId: chat.id,
      clientMessageId: 'after-future',
      text: 'still heard',
    });
    await vi.waitFor(() =>
      expect(device.durable.map((e) => e.type === 'message.created' && e.message.text)).toContain(
        'still heard',
      ),
    );
  });

  it('pushes presence to direct chats and small groups only; big groups ask presence.get', async () => {
    await using server = await startTestServer({
      dialect,
      env: { PRESENCE_GROUP_MAX_MEMBERS: '2' },
    });
    const [ada, ben, cy, dee, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dee', 'Eve');
    // Ben shares only a 3-member group with Cy, a direct chat with Dee, and a group of two
    // (the limit) with Eve.
    await ada.client.groups.create.mutate({ name: 'Big', userIds: [ben.id, cy.id] });
    await ben.client.conversations.openDirect.mutate({ userId: dee.id });
    await ben.client.groups.create.mutate({ name: 'Two', userIds: [eve.id] });
    await using benDevice = await connectDevice(server, ben);
    await using cyDevice = await connectDevice(server, cy);
    const heardOnline = (userId: string) =>
      vi.waitFor(() =>
        expect(benDevice.ephemeral).toContainEqual({
          type: 'presence',
          userId,
          online: true,
          lastSeenAt: null,
        }),
      );
    await vi.waitFor(async () =>
      expect(await ben.client.presence.get.query({ userIds: [cy.id] })).toEqual([
        { userId: cy.id, online: true, lastSeenAt: null },
      ]),
    );
    await using deeDevice = await connectDevice(server, dee);
    await heardOnline(dee.id);
    await using eveDevice = await connectDevice(server, eve);
    await heardOnline(eve.id);
    expect(benDevice.ephemeral.filter((e) => e.type === 'presence' && e.userId === cy.id)).toEqual(
      [],
    );
    void cyDevice;
    void deeDevice;
    void eveDevice;
  });
});
