import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { authHeader, download, makePng, upload } from './helpers/files.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const types = (events: StreamEvent[]) => events.map((e) => e.type);

describeEachDialect('pinned messages', (dialect) => {
  // Generous: 50 pins are 50 transactions, and CI runs other suites on the same two cores.
  it('pins and unpins live and on resume, with a system message; members vs admins; 50 at most', {
    timeout: 120_000,
  }, async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const group = await ada.client.groups.create.mutate({ name: 'Trip', userIds: [ben.id] });
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    await using benPhone = await connectDevice(server, ben);
    const benHead = benPhone.lastEventId!;
    const send = (conversationId: string, clientMessageId: string) =>
      ada.client.messages.send.mutate({ conversationId, clientMessageId, text: clientMessageId });

    const first = await send(group.id, 'g1');
    // In a group only admins pin; strangers learn nothing.
    expect(await errorCode(ben.client.messages.pin.mutate({ messageId: first.id }))).toBe(
      'FORBIDDEN',
    );
    expect(await errorCode(eve.client.messages.pin.mutate({ messageId: first.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await errorCode(eve.client.messages.pins.query({ conversationId: group.id }))).toBe(
      'NOT_FOUND',
    );
    const pin = await ada.client.messages.pin.mutate({ messageId: first.id });
    expect(pin).toMatchObject({ message: { id: first.id }, pinnedBy: ada.id });
    // Pinning again changes nothing.
    await ada.client.messages.pin.mutate({ messageId: first.id });
    const listed = await ben.client.messages.pins.query({ conversationId: group.id });
    expect(listed.items.map((p) => p.message.id)).toEqual([first.id]);

    await vi.waitFor(() =>
      expect(types(benPhone.durable)).toEqual([
        'message.created',
        'message.pinned',
        'message.created',
      ]),
    );
    const system = benPhone.durable[2]!;
    expect(system).toMatchObject({
      message: {
        kind: 'system',
        text: 'Ada pinned a message',
        system: { action: 'message_pinned', actorId: ada.id, messageId: first.id },
      },
    });

    // In a direct chat any member pins.
    const d1 = await send(direct.id, 'd1');
    await ben.client.messages.pin.mutate({ messageId: d1.id });
    await ben.client.messages.unpin.mutate({ messageId: d1.id });
    expect((await ada.client.messages.pins.query({ conversationId: direct.id })).items).toEqual([]);

    // A device that was away replays every pin event in order.
    await using later = await connectDevice(server, ben, benHead);
    await vi.waitFor(() =>
      expect(
        types(later.durable).filter((t) => t.startsWith('message.') && t.endsWith('pinned')),
      ).toEqual(['message.pinned', 'message.pinned', 'message.unpinned']),
    );

    // 50 pins at most: the 51st is refused and leaves nothing behind.
    const more = await Promise.all(
      Array.from({ length: 49 }, (_, i) => send(group.id, `g${i + 2}`)),
    );
    for (const m of more) await ada.client.messages.pin.mutate({ messageId: m.id });
    const extra = await send(group.id, 'g51');
    expect(await errorCode(ada.client.messages.pin.mutate({ messageId: extra.id }))).toBe(
      'PRECONDITION_FAILED',
    );
    const all = await ada.client.messages.pins.query({ conversationId: group.id });
    expect(all.items).toHaveLength(50);
    expect(all.items.some((p) => p.message.id === extra.id)).toBe(false);

    // Over REST: unpin one, then the 51st fits.
    const res = await fetch(`${server.url}/api/v1/messages/${first.id}/pin`, {
      method: 'DELETE',
      headers: authHeader(ada),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ messageId: first.id, pinned: false });
    const pinned = await fetch(`${server.url}/api/v1/messages/${extra.id}/pin`, {
      method: 'POST',
      headers: authHeader(ada),
    });
    expect(pinned.status).toBe(200);
    const rest = await fetch(`${server.url}/api/v1/conversations/${group.id}/pins`, {
      headers: authHeader(ben),
    });
    const body = (await rest.json()) as { items: { message: { id: string } }[] };
    expect(body.items[0]!.message.id).toBe(extra.id);
  });
});

describeEachDialect('forwarding', (dialect) => {
  it('copies text and shared attachments, hides the sender, is idempotent, arrives live and on resume', {
    timeout: 60_000,
  }, async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const benCy = await ben.client.conversations.openDirect.mutate({ userId: cy.id });
    const group = await ben.client.groups.create.mutate({ name: 'Club', userIds: [cy.id] });
    const cyHead = (await cy.client.events.head.query()).lastEventId ?? '';

    const file = await upload(server, ada, await makePng(8, 8), 'dot.png', 'image/png');
    const original = await ada.client.messages.send.mutate({
      conversationId: withBen.id,
      clientMessageId: 'orig',
      text: 'look at this',
      attachments: [file.id],
    });
    await using cyPhone = await connectDevice(server, cy);

    const forward = () =>
      ben.client.messages.forward.mutate({
        messageId: original.id,
        conversationIds: [benCy.id, group.id],
        clientMessageId: 'fw1',
      });
    const { messages } = await forward();
    expect(messages).toHaveLength(2);
    for (const [i, m] of messages.entries()) {
      expect(m).toMatchObject({
        conversationId: [benCy.id, group.id][i],
        senderId: ben.id,
        text: 'look at this',
        forwarded: true,
        attachments: [{ id: file.id, name: 'dot.png' }],
      });
      expect(JSON.stringify(m)).not.toContain(ada.id);
    }
    // A retry returns the same copies and stores nothing new.
    const again = await forward();
    expect(again.messages.map((m) => m.id)).toEqual(messages.map((m) => m.id));
    expect(
      (await cy.client.messages.list.query({ conversationId: group.id })).messages.filter(
        (m) => m.kind === 'text',
      ),
    ).toHaveLength(1);

    // Cy reads the shared file through the forward, without a second upload.
    const bytes = await download(server, cy, file.id);
    expect(bytes.status).toBe(200);

    await vi.waitFor(() =>
      expect(
        cyPhone.durable.filter((e) => e.type === 'message.created' && e.message.forwarded),
      ).toHaveLength(2),
    );
    await using cyLater = await connectDevice(server, cy, cyHead);
    await vi.waitFor(() =>
      expect(
        cyLater.durable.filter((e) => e.type === 'message.created' && e.message.forwarded),
      ).toHaveLength(2),
    );
  });

  it('refuses targets the caller is not in, and messages the caller cannot see', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const benEve = await ben.client.conversations.openDirect.mutate({ userId: eve.id });
    const adaEve = await ada.client.conversations.openDirect.mutate({ userId: eve.id });
    const m = await ada.client.messages.send.mutate({
      conversationId: withBen.id,
      clientMessageId: 'x',
      text: 'secret',
    });
    // Ada is not in Ben and Eve's chat: nothing is stored anywhere, not even in her own chat.
    expect(
      await errorCode(
        ada.client.messages.forward.mutate({
          messageId: m.id,
          conversationIds: [adaEve.id, benEve.id],
          clientMessageId: 'f',
        }),
      ),
    ).toBe('NOT_FOUND');
    expect((await eve.client.messages.list.query({ conversationId: adaEve.id })).messages).toEqual(
      [],
    );
    // Eve cannot forward a message she cannot see.
    expect(
      await errorCode(
        eve.client.messages.forward.mutate({
          messageId: m.id,
          conversationIds: [benEve.id],
          clientMessageId: 'g',
        }),
      ),
    ).toBe('NOT_FOUND');
    // Over REST, the same refusal.
    const res = await fetch(`${server.url}/api/v1/messages/${m.id}/forward`, {
      method: 'POST',
      headers: { ...authHeader(ada), 'content-type': 'application/json' },
      body: JSON.stringify({ conversationIds: [benEve.id], clientMessageId: 'h' }),
    });
    expect(res.status).toBe(404);
  });
});
