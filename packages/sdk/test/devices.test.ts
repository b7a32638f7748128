import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import { connected, signedUpClient, testClient } from './helpers/sdk.ts';

describeEachDialect('two devices of one user', (dialect) => {
  it('both receive everything, and reading on one updates the other', async () => {
    await using server = await startTestServer({ dialect });
    await using phone = await signedUpClient(server.url, 'Ada');
    await using laptop = testClient(server.url);
    await laptop.parley.auth.login({ email: phone.email, password: phone.password });
    await connected(laptop);
    await using ben = await signedUpClient(server.url, 'Ben');
    const adaId = phone.parley.session!.user.id;
    const chat = await ben.parley.conversations.openDirect({ userId: adaId });

    // Ben writes: both devices get it. Ada answers from the phone: the laptop shows it too.
    const fromBen = ben.parley.messages.send({ conversationId: chat.id, text: 'hi Ada' });
    await vi.waitFor(() => {
      expect(phone.texts()).toEqual(['hi Ada']);
      expect(laptop.texts()).toEqual(['hi Ada']);
    });
    await phone.parley.messages.send({ conversationId: chat.id, text: 'hi Ben' }).sent;
    await vi.waitFor(() => {
      expect(laptop.texts()).toEqual(['hi Ada', 'hi Ben']);
      expect(ben.texts()).toEqual(['hi Ada', 'hi Ben']);
    });
    expect(phone.texts()).toEqual(['hi Ada', 'hi Ben']);
    await vi.waitFor(() => expect(fromBen.status).toBe('read')); // Ada's reply read it

    // A new message, read on the laptop: the phone hears of Ada's read watermark.
    const second = ben.parley.messages.send({ conversationId: chat.id, text: 'lunch?' });
    await vi.waitFor(() => expect(phone.texts().at(-1)).toBe('lunch?'));
    expect((await phone.parley.conversations.get({ conversationId: chat.id })).unreadCount).toBe(1);
    await vi.waitFor(() => expect(laptop.texts().at(-1)).toBe('lunch?'));
    await laptop.parley.conversations.markRead({ conversationId: chat.id });
    await vi.waitFor(() =>
      expect(phone.events.receipt.at(-1)).toMatchObject({
        conversationId: chat.id,
        userId: adaId,
        lastReadSeq: 3,
      }),
    );
    expect((await phone.parley.conversations.get({ conversationId: chat.id })).unreadCount).toBe(0);
    await vi.waitFor(() => expect(second.status).toBe('read'));

    // Each device's event ids are unique: nothing was delivered twice.
    for (const device of [phone, laptop]) {
      const ids = device.events.event.flatMap((e) => ('id' in e ? [e.id] : []));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });
});
