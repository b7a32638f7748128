import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('message search', (dialect) => {
  it('finds only what the caller may read, ranked, and follows edits and deletes', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '100' } });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const withEve = await ada.client.conversations.openDirect.mutate({ userId: eve.id });
    const send = async (chat: { id: string }, text: string, from = ada) =>
      from.client.messages.send.mutate({ conversationId: chat.id, clientMessageId: text, text });
    const pizza = await send(withBen, 'Pizza tonight at Luigi’s?');
    const both = await send(withBen, 'pizza pizza! the PIZZA place by the station', ben);
    await send(withBen, 'I prefer sushi');
    const secret = await send(withEve, 'secret pizza plan', eve);
    await send(withBen, 'Café crème au Zürich — naïve façade');

    const texts = (r: { items: { text: string }[] }) => r.items.map((m) => m.text);
    // Ben sees his chat's matches only, the densest match first; Eve's chat is invisible.
    const benSearch = await ben.client.messages.search.query({ q: 'pizza' });
    expect(benSearch.items.map((m) => m.id)).toEqual([both.id, pizza.id]);
    expect((await eve.client.messages.search.query({ q: 'pizza' })).items.map((m) => m.id)).toEqual(
      [secret.id],
    );
    // Ada sees both chats; and can restrict to one.
    expect(texts(await ada.client.messages.search.query({ q: 'PIZ' }))).toHaveLength(3);
    expect(
      texts(await ada.client.messages.search.query({ q: 'pizza', conversationId: withEve.id })),
    ).toEqual(['secret pizza plan']);
    // All words must match (prefixes); accents and case do not matter; punctuation is ignored.
    expect(texts(await ben.client.messages.search.query({ q: 'pizza station' }))).toEqual([
      both.text,
    ]);
    expect(texts(await ben.client.messages.search.query({ q: 'cafe zurich' }))).toHaveLength(1);
    expect(texts(await ben.client.messages.search.query({ q: '"*) OR (' }))).toEqual([]);

    // Edits re-index; deletes drop out.
    await ada.client.messages.edit.mutate({ messageId: pizza.id, text: 'Burgers tonight?' });
    expect((await ben.client.messages.search.query({ q: 'pizza' })).items.map((m) => m.id)).toEqual(
      [both.id],
    );
    expect(texts(await ben.client.messages.search.query({ q: 'burgers' }))).toEqual([
      'Burgers tonight?',
    ]);
    await ben.client.messages.delete.mutate({ messageId: both.id });
    expect((await ben.client.messages.search.query({ q: 'pizza' })).items).toEqual([]);

    // Paging, and a conversation you are not in is NOT_FOUND.
    for (let i = 0; i < 5; i++) await send(withBen, `page test ${i}`);
    const p1 = await ada.client.messages.search.query({ q: 'page test', limit: 3 });
    const p2 = await ada.client.messages.search.query({
      q: 'page test',
      limit: 3,
      cursor: p1.nextCursor,
    });
    expect(new Set([...texts(p1), ...texts(p2)]).size).toBe(5);
    expect(p2.nextCursor).toBeNull();
    expect(
      await errorCode(ben.client.messages.search.query({ q: 'pizza', conversationId: withEve.id })),
    ).toBe('NOT_FOUND');
  });
});
