import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, registerUsers, type TestUser } from './helpers/clients.ts';
import { insertMessages } from './helpers/log-fixture.ts';
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

  it('pages a big chat’s matches completely in rank order, never showing a foreign chat’s', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '100' } });
    const [ada, ben, cy, dan] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dan');
    const big = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const small = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    const foreign = await cy.client.conversations.openDirect.mutate({ userId: dan.id });
    // Every text has four words, so the rank depends on how often "needle" occurs: three times
    // (strong) ranks above once (weak) on both dialects; equal ranks go newest first.
    const strong = (i: number) => `needle needle needle s${i}`;
    const weak = (i: number) => `needle w${i} hay stack`;
    const texts = Array.from({ length: 2_400 }, (_, i) => (i % 3 === 0 ? strong(i) : weak(i)));
    const bigIds = await insertMessages(server, big.id, ada.id, texts);
    // A bigger chat the searchers are not in, with better matches than any of theirs.
    await insertMessages(
      server,
      foreign.id,
      cy.id,
      Array.from({ length: 3_000 }, (_, i) => `needle needle needle needle f${i}`),
    );
    const send = (from: TestUser, chatId: string, text: string) =>
      from.client.messages.send.mutate({ conversationId: chatId, clientMessageId: text, text });
    // Sent through the API just before searching: the search must see them (index catch-up).
    const fresh = await send(ben, big.id, 'needle needle needle fresh');
    const inSmall = [await send(cy, small.id, 'needle in the small chat')];
    inSmall.push(await send(ada, small.id, 'needle needle needle small'));

    // Every hit of a search by `user`, page by page; each from a chat `user` is in.
    const chatsOf = new Map([
      [ada.id, [big.id, small.id]],
      [ben.id, [big.id]],
      [dan.id, [foreign.id]],
    ]);
    const all = async (user: TestUser, q: string, conversationId?: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; conversationId: string }[]; nextCursor: string | null } =
          await user.client.messages.search.query({ q, conversationId, cursor, limit: 100 });
        for (const m of page.items) {
          expect(chatsOf.get(user.id)).toContain(m.conversationId);
          ids.push(m.id);
        }
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const newestFirst = (ids: string[]) => [...ids].sort().reverse();
    const strongIds = [...bigIds.filter((_, i) => i % 3 === 0), fresh.id];
    const weakIds = bigIds.filter((_, i) => i % 3 !== 0);

    // Ben (the big chat only): every match once, strong ones first, each tier newest first.
    const bens = await all(ben, 'needle');
    expect(new Set(bens).size).toBe(bens.length);
    expect(bens).toEqual([...newestFirst(strongIds), ...newestFirst(weakIds)]);
    // Ada: both of her chats; restricted to one of them, only its messages.
    const adas = await all(ada, 'needle');
    expect(adas).toHaveLength(bigIds.length + 3);
    expect(new Set(adas)).toEqual(new Set([...bigIds, fresh.id, ...inSmall.map((m) => m.id)]));
    expect(await all(ada, 'needle', small.id)).toEqual([inSmall[1]!.id, inSmall[0]!.id]);
    expect(await all(ada, 'needle fresh', big.id)).toEqual([fresh.id]);
    // Dan sees only his chat (a search never leaks beyond membership, whatever the rank).
    const dans = await all(dan, 'needle');
    expect(dans).toHaveLength(3_000);
    expect(await all(dan, 'needle fresh')).toEqual([]);
    expect(
      await errorCode(dan.client.messages.search.query({ q: 'needle', conversationId: big.id })),
    ).toBe('NOT_FOUND');
  });
});
