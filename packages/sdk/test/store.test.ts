import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import type { Message, ParleyClient } from '../src/index.ts';
import { type ChatStore, createChatStore } from '../src/store/index.ts';
import { connected, signedUpClient, type TestClient, testClient } from './helpers/sdk.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

/** Reactions in a stable order: the comparison is about content. */
const normal = (m: Message) => ({
  ...m,
  reactions: [...m.reactions]
    .map((r) => ({ ...r, userIds: [...r.userIds].sort() }))
    .sort((a, b) => a.emoji.localeCompare(b.emoji)),
});

/** The store's view of a conversation and its timeline equals what the server says now. */
async function expectStoreMatchesServer(store: ChatStore, parley: ParleyClient, id: string) {
  const truth = await parley.messages.list({ conversationId: id, limit: 100 });
  const timeline = store.getState().timelines[id]!;
  expect(timeline.messages.filter((m) => m.local)).toEqual([]);
  expect(timeline.messages.map(({ local: _, ...m }) => normal(m))).toEqual(
    truth.messages.map(normal),
  );
  const list = await parley.conversations.list();
  const mine = store.getState().conversations.map(({ typing: _t, peerPresence: _p, ...c }) => ({
    ...c,
    lastMessage: c.lastMessage && normal(c.lastMessage),
  }));
  expect(mine).toEqual(
    list.items.map((c) => ({ ...c, lastMessage: c.lastMessage && normal(c.lastMessage) })),
  );
}

/**
 * Starts `store.loadConversations()` with the list's answer held back by `proxy` (read by the
 * server, not yet received); `release()` lets it arrive and waits for the load to finish.
 */
async function loadWithListHeld(proxy: TcpProxy, store: ChatStore) {
  const hold = proxy.holdAnswers('"nextCursor"');
  const loading = store.loadConversations();
  await hold.held;
  return {
    async release() {
      hold.release();
      await loading;
    },
  };
}

describeEachDialect('the client-side store', (dialect) => {
  it('keeps a message that arrives while the conversation list is on its way', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });
    const store = createChatStore(ada.parley);
    await store.loadConversations();
    await connected(ada);

    // The list is read, then Ben's message is stored and its event overtakes the answer.
    const loading = await loadWithListHeld(proxy, store);
    const sent = await ben.parley.messages.send({ conversationId: chat.id, text: 'meanwhile' })
      .sent;
    await vi.waitFor(() => expect(store.getState().conversations[0]?.lastSeq).toBe(sent.seq));
    await loading.release();

    expect(store.getState().conversations[0]).toMatchObject({
      lastSeq: sent.seq,
      unreadCount: 1,
      lastMessage: { id: sent.id },
    });
    const truth = await ada.parley.conversations.list();
    await vi.waitFor(() =>
      expect(
        store.getState().conversations.map(({ typing: _t, peerPresence: _p, ...c }) => c),
      ).toEqual(truth.items),
    );
    store.destroy();
  });

  it('keeps a chat that starts while the conversation list is on its way', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxy.url, 'Ada');
    await using cem = await signedUpClient(server.url, 'Cem');
    const store = createChatStore(ada.parley);
    await store.loadConversations();
    await connected(ada);
    const ids = () => store.getState().conversations.map((c) => c.id);
    expect(ids()).toEqual([]);

    // The list is read (empty), then Cem starts a chat; Ada's store learns of it first.
    const loading = await loadWithListHeld(proxy, store);
    const chat = await cem.parley.conversations.openDirect({
      userId: ada.parley.session!.user.id,
    });
    await cem.parley.messages.send({ conversationId: chat.id, text: 'hi Ada' }).sent;
    await vi.waitFor(() => expect(ids()).toEqual([chat.id]));
    await loading.release();
    expect(ids()).toEqual([chat.id]);
    store.destroy();
  });

  it('never brings back a deleted group when an answer about it arrives afterwards', async () => {
    await using server = await startTestServer({ dialect });
    await using proxy = await startTcpProxy(server.url);
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(proxy.url, 'Ben');
    const benId = ben.parley.session!.user.id;
    const chat = await ada.parley.conversations.openDirect({ userId: benId });
    const group = await ada.parley.groups.create({ name: 'Team', userIds: [benId] });
    const store = createChatStore(ben.parley);
    await store.loadConversations();
    await connected(ben);
    const ids = () => store.getState().conversations.map((c) => c.id);
    expect(ids()).toContain(group.id);

    // Ben pins the group on his phone, so this device's store asks for it; that answer is
    // held back until after Ada deleted the group, as a slow answer read before would arrive.
    await using benPhone = testClient(server.url);
    await benPhone.parley.auth.login({ email: ben.email, password: ben.password });
    const hold = proxy.holdAnswers(`"data":{"id":"${group.id}"`);
    await benPhone.parley.conversations.pin({ conversationId: group.id });
    await hold.held;
    await ada.parley.groups.delete({ groupId: group.id });
    await vi.waitFor(() => expect(ids()).toEqual([chat.id]));
    hold.release();
    // Frames arrive in order: once a later message shows, the held answer was handled.
    const later = await ada.parley.messages.send({ conversationId: chat.id, text: 'later' }).sent;
    await vi.waitFor(() => expect(store.getState().conversations[0]?.lastSeq).toBe(later.seq));
    expect(ids()).toEqual([chat.id]);
    store.destroy();
  });

  it('equals messages.list and conversations.list after a scripted run with drops and resumes', async () => {
    await using server = await startTestServer({ dialect });
    await using proxyA = await startTcpProxy(server.url);
    await using proxyB = await startTcpProxy(server.url);
    await using ada = await signedUpClient(proxyA.url, 'Ada');
    await using ben = await signedUpClient(proxyB.url, 'Ben');
    await using cem = await signedUpClient(server.url, 'Cem');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });
    const other = await cem.parley.conversations.openDirect({
      userId: ada.parley.session!.user.id,
    });
    const stores = [ada, ben].map((c) => createChatStore(c.parley, { pageSize: 4 }));
    const [adaStore, benStore] = stores as [ChatStore, ChatStore];
    await Promise.all(stores.map((s) => s.loadConversations()));
    for (const s of stores) s.watch(chat.id);
    await vi.waitFor(() => expect(adaStore.getState().timelines[chat.id]?.loaded).toBe(true));

    const send = (c: TestClient, text: string, conversationId = chat.id) =>
      c.parley.messages.send({ conversationId, text }).sent;

    // Optimistic: the send shows at once, then is replaced by the stored message.
    const first = ada.parley.messages.send({ conversationId: chat.id, text: 'a0' });
    expect(adaStore.getState().timelines[chat.id]!.messages.at(-1)).toMatchObject({
      text: 'a0',
      local: 'pending',
    });
    await first.sent;
    const sent: Message[] = [];
    for (let i = 1; i < 6; i++) sent.push(await send(ada, `a${i}`));
    for (let i = 0; i < 3; i++) await send(ben, `b${i}`);
    await send(cem, 'hello from Cem', other.id);
    await ada.parley.messages.edit({ messageId: sent[0]!.id, text: 'a1 (edited)' });
    await ben.parley.messages.react({ messageId: sent[1]!.id, emoji: '👍' });
    await ada.parley.messages.react({ messageId: sent[1]!.id, emoji: '❤️' });
    await ben.parley.messages.react({ messageId: sent[1]!.id, emoji: '❤️' });
    await ben.parley.messages.unreact({ messageId: sent[1]!.id, emoji: '👍' });

    // Ben drops; Ada goes on meanwhile; Ben resumes.
    proxyB.refuse('HTTP/1.1');
    proxyB.cut();
    await send(ada, 'while Ben is away');
    await ada.parley.messages.delete({ messageId: sent[2]!.id });
    await ada.parley.messages.react({ messageId: sent[3]!.id, emoji: '🎉' });
    proxyB.refuse(null);
    await connected(ben);
    await ben.parley.conversations.markRead({ conversationId: chat.id });

    // Ada drops; her send waits in the outbox; Ben writes; both resume.
    proxyA.refuse('HTTP/1.1');
    proxyA.cut();
    await vi.waitFor(() => expect(ada.parley.connection.status).not.toBe('connected'));
    const queued = ada.parley.messages.send({ conversationId: chat.id, text: 'from the outbox' });
    await send(ben, 'b3');
    await ben.parley.messages.delete({ messageId: (await send(ben, 'b4 oops')).id });
    proxyA.refuse(null);
    await queued.sent;
    await connected(ada);
    await ada.parley.conversations.markRead({ conversationId: chat.id, upToSeq: 3 });

    for (const [store, client] of [
      [adaStore, ada],
      [benStore, ben],
    ] as const) {
      await vi.waitFor(() => expectStoreMatchesServer(store, client.parley, chat.id), {
        timeout: 10_000,
      });
    }
    // Ada's list: the chat with Ben and the one with Cem, most recent first, unread counted.
    expect(adaStore.getState().conversations.map((c) => c.id)).toEqual([chat.id, other.id]);
    expect(adaStore.getState().conversations[1]).toMatchObject({ unreadCount: 1 });

    // A fresh store pages back through history and sees the same.
    const fresh = createChatStore(ben.parley, { pageSize: 3 });
    await fresh.loadConversations();
    fresh.watch(chat.id);
    await vi.waitFor(() => expect(fresh.getState().timelines[chat.id]?.loaded).toBe(true));
    while (await fresh.loadOlder(chat.id));
    await expectStoreMatchesServer(fresh, ben.parley, chat.id);
    for (const s of [...stores, fresh]) s.destroy();
  });

  it('notifies selectors only on change, trims unwatched timelines, and scopes listeners', async () => {
    await using server = await startTestServer({ dialect });
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const chat = await ada.parley.conversations.openDirect({ userId: ben.parley.session!.user.id });
    const side = await ada.parley.groups.create({ name: 'Side', userIds: [] });
    const store = createChatStore(ben.parley, { pageSize: 2, keepInactive: 0 });
    await store.loadConversations();

    const unread: number[] = [];
    store.select(
      (s) => s.conversations.find((c) => c.id === chat.id)?.unreadCount ?? -1,
      (n) => unread.push(n),
    );
    const typingSeen: string[][] = [];
    store.select(
      (s) => s.conversations.find((c) => c.id === chat.id)?.typing,
      (t) => typingSeen.push([...(t ?? [])]),
    );
    const scoped: string[] = [];
    ben.parley.conversation(chat.id).on('message', (m) => scoped.push(m.text));

    const release = store.watch(chat.id);
    await vi.waitFor(() => expect(store.getState().timelines[chat.id]?.loaded).toBe(true));
    ada.parley.typing(chat.id);
    await vi.waitFor(() => expect(typingSeen.at(-1)).toEqual([ada.parley.session!.user.id]));
    for (const text of ['one', 'two', 'three', 'four']) {
      await ada.parley.messages.send({ conversationId: chat.id, text }).sent;
    }
    await ada.parley.messages.send({ conversationId: side.id, text: 'elsewhere' }).sent;
    await vi.waitFor(() => expect(unread.at(-1)).toBe(4));
    expect(unread).toEqual([1, 2, 3, 4]);
    expect(typingSeen.at(-1)).toEqual([]); // a message ends its sender's typing
    expect(scoped).toEqual(['one', 'two', 'three', 'four']);
    expect(store.getState().timelines[chat.id]!.messages).toHaveLength(4);

    // Unwatched beyond keepInactive: only the newest page stays, older ones load again.
    release();
    const trimmed = store.getState().timelines[chat.id]!;
    expect(trimmed.messages.map((m) => m.text)).toEqual(['three', 'four']);
    expect(trimmed.hasOlder).toBe(true);
    expect(await store.loadOlder(chat.id)).toBe(false);
    expect(store.getState().timelines[chat.id]!.messages.map((m) => m.text)).toEqual([
      'one',
      'two',
      'three',
      'four',
    ]);
    store.destroy();
  });

  it('follows pins, archives, drafts, profiles, members and threads, and marks read at once', async () => {
    await using server = await startTestServer({ dialect, env: { MESSAGE_MAX_LENGTH: '20' } });
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    // Ben's second device makes the changes the first one's store must follow.
    await using benPhone = testClient(server.url);
    await benPhone.parley.auth.login({ email: ben.email, password: ben.password });
    const benId = ben.parley.session!.user.id;
    const chat = await ada.parley.conversations.openDirect({ userId: benId });
    const group = await ada.parley.groups.create({ name: 'Team', userIds: [benId] });
    const store = createChatStore(ben.parley);
    await store.loadConversations();
    const ids = () => store.getState().conversations.map((c) => c.id);
    const entryOf = (id: string) => store.getState().conversations.find((c) => c.id === id);

    // Pinned first, as conversations.list orders them, whatever the activity.
    await ada.parley.messages.send({ conversationId: chat.id, text: 'hi' }).sent;
    await ada.parley.messages.send({ conversationId: group.id, text: 'news' }).sent;
    await vi.waitFor(() => expect(ids()).toEqual([group.id, chat.id]));
    await benPhone.parley.conversations.pin({ conversationId: chat.id });
    await vi.waitFor(() => expect(ids()).toEqual([chat.id, group.id]));
    expect(ids()).toEqual((await ben.parley.conversations.list()).items.map((c) => c.id));

    // Marked read here: the badge clears before the server answers; the server agrees after.
    expect(entryOf(chat.id)?.unreadCount).toBe(1);
    const read = store.markRead(chat.id);
    expect(entryOf(chat.id)?.unreadCount).toBe(0);
    await read;
    expect((await ben.parley.conversations.get({ conversationId: chat.id })).unreadCount).toBe(0);

    // A draft saved on the phone shows here; archived on the phone, it leaves the list.
    await benPhone.parley.conversations.saveDraft({ conversationId: group.id, text: 'later' });
    await vi.waitFor(() => expect(entryOf(group.id)?.draft?.text).toBe('later'));
    await benPhone.parley.conversations.archive({ conversationId: group.id });
    await vi.waitFor(() => expect(ids()).toEqual([chat.id]));
    // putConversation: an answer (here unarchive) goes straight into the list.
    store.putConversation(await ben.parley.conversations.unarchive({ conversationId: group.id }));
    expect(ids()).toEqual([chat.id, group.id]);

    // Members of a watched conversation, their watermarks and profiles kept current.
    const release = store.watch(group.id);
    await vi.waitFor(() => expect(store.getState().members[group.id]).toHaveLength(2));
    const adaId = ada.parley.session!.user.id;
    const member = (id: string) =>
      store.getState().members[group.id]!.find((p) => p.user.id === id);
    const mine = await ben.parley.messages.send({ conversationId: group.id, text: 'mine' }).sent;
    await ada.parley.conversations.markRead({ conversationId: group.id });
    await vi.waitFor(() => expect(member(adaId)?.lastReadSeq).toBe(mine.seq));
    await vi.waitFor(() =>
      expect(store.getState().timelines[group.id]!.messages.at(-1)).toMatchObject({
        id: mine.id,
        status: 'read',
      }),
    );
    await ada.parley.users.updateMe({ displayName: 'Ada L.' });
    await vi.waitFor(() => expect(member(adaId)?.user.displayName).toBe('Ada L.'));
    await vi.waitFor(() => expect(entryOf(chat.id)?.peer?.displayName).toBe('Ada L.'));

    // A refused send shows as failed; discarded, it leaves the timeline.
    const refused = ben.parley.messages.send({
      conversationId: group.id,
      text: 'far too long for this server',
    });
    await expect(refused.sent).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const local = () => store.getState().timelines[group.id]!.messages.filter((m) => m.local);
    expect(local().map((m) => m.local)).toEqual(['failed']);
    expect(refused.discard()).toBe(true);
    expect(local()).toEqual([]);

    // A thread reply sent to its thread only stays out of the timeline; its root's summary
    // follows. Sent from this device too: no optimistic copy in the timeline either.
    const root = await ada.parley.messages.send({ conversationId: group.id, text: 'root' }).sent;
    await ada.parley.messages.send({ conversationId: group.id, text: 'r1', threadRootId: root.id })
      .sent;
    const reply = ben.parley.messages.send({
      conversationId: group.id,
      text: 'r2',
      threadRootId: root.id,
    });
    const texts = () => store.getState().timelines[group.id]!.messages.map((m) => m.text);
    expect(texts().at(-1)).toBe('root');
    await reply.sent;
    await vi.waitFor(() =>
      expect(
        store.getState().timelines[group.id]!.messages.find((m) => m.id === root.id)?.thread
          ?.replyCount,
      ).toBe(2),
    );
    expect(texts().slice(-2)).toEqual(['mine', 'root']);

    // Left the group (removed by Ada): out of the list, timeline and members gone.
    await ada.parley.groups.removeMember({ groupId: group.id, userId: benId });
    await vi.waitFor(() => expect(ids()).toEqual([chat.id]));
    expect(store.getState().members[group.id]).toBeUndefined();
    release();
    store.destroy();
  });
});
