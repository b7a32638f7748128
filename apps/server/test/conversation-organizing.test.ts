import type { ConversationDto, StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import createClient from 'openapi-fetch';
import { expect, it, vi } from 'vitest';
import type { paths } from './generated/parley-api.gen.ts';
import { errorCode, registerUsers, type TestUser } from './helpers/clients.ts';
import { connectDevice, type Device } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

const ofType = <T extends StreamEvent['type']>(device: Device, type: T) =>
  device.durable.filter((e): e is Extract<StreamEvent, { type: T }> => e.type === type);
const listIds = async (user: TestUser) =>
  (await user.client.conversations.list.query()).items.map((c) => c.id);
const archivedIds = async (user: TestUser) =>
  (await user.client.conversations.listArchived.query()).items.map((c) => c.id);

describeEachDialect('organizing conversations', (dialect) => {
  it('archives per user; a new message brings the chat back unless it is muted', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const withCy = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    const from = (await ada.client.events.head.query()).lastEventId ?? '';
    await using phone = await connectDevice(server, ada);
    await using benPhone = await connectDevice(server, ben);

    const archived = await ada.client.conversations.archive.mutate({ conversationId: withBen.id });
    expect(archived).toMatchObject({ archived: true, pinnedAt: null, memberCount: 2 });
    expect(await listIds(ada)).toEqual([withCy.id]);
    expect(await archivedIds(ada)).toEqual([withBen.id]);
    // Only Ada's: Ben still sees the chat, and hears nothing about it.
    expect(await listIds(ben)).toEqual([withBen.id]);
    await vi.waitFor(() =>
      expect(ofType(phone, 'conversation.state_changed')).toEqual([
        expect.objectContaining({
          conversationId: withBen.id,
          archived: true,
          pinnedAt: null,
          markedUnread: false,
          mutedUntil: null,
        }),
      ]),
    );

    // Ben writes: the chat is back in Ada's list (and stays there).
    await ben.client.messages.send.mutate({
      conversationId: withBen.id,
      clientMessageId: 'b1',
      text: 'hi',
    });
    expect(
      (await ada.client.conversations.get.query({ conversationId: withBen.id })).archived,
    ).toBe(false);
    expect(await listIds(ada)).toEqual([withBen.id, withCy.id]);
    expect(await archivedIds(ada)).toEqual([]);

    // Muted and archived: Cy's message does not bring it back.
    await ada.client.conversations.mute.mutate({ conversationId: withCy.id });
    await ada.client.conversations.archive.mutate({ conversationId: withCy.id });
    await cy.client.messages.send.mutate({
      conversationId: withCy.id,
      clientMessageId: 'c1',
      text: 'still there?',
    });
    expect(await listIds(ada)).toEqual([withBen.id]);
    expect(await archivedIds(ada)).toEqual([withCy.id]);
    const unarchived = await ada.client.conversations.unarchive.mutate({
      conversationId: withCy.id,
    });
    expect(unarchived.archived).toBe(false);
    expect(await listIds(ada)).toEqual([withCy.id, withBen.id]);

    // Strangers learn nothing; bad input is refused.
    expect(
      await errorCode(eve.client.conversations.archive.mutate({ conversationId: withBen.id })),
    ).toBe('NOT_FOUND');
    expect(
      await errorCode(
        ada.client.conversations.archive.mutate({ conversationId: withBen.id, extra: 1 } as never),
      ),
    ).toBe('BAD_REQUEST');
    expect(ofType(benPhone, 'conversation.state_changed')).toEqual([]);

    // Ada's laptop, away since before all of this, replays her state changes in order.
    await using laptop = await connectDevice(server, ada, from);
    await vi.waitFor(() =>
      expect(
        ofType(laptop, 'conversation.state_changed').map((e) => [
          e.conversationId,
          e.archived,
          e.mutedUntil !== null,
        ]),
      ).toEqual([
        [withBen.id, true, false],
        [withCy.id, false, true], // mute
        [withCy.id, true, true],
        [withCy.id, false, true],
      ]),
    );
  });

  it('pins up to 5 conversations to the top; marks unread until read', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '1000' } });
    const [ada, ...others] = await registerUsers(server, 'Ada', 'B1', 'B2', 'B3', 'B4', 'B5', 'B6');
    const chats: ConversationDto[] = [];
    for (const other of others) {
      chats.push(await ada.client.conversations.openDirect.mutate({ userId: other.id }));
    }
    await using phone = await connectDevice(server, ada);
    // Newest activity first; pins go above, most recently pinned first.
    expect(await listIds(ada)).toEqual(chats.map((c) => c.id).reverse());
    const pinnedFirst = await ada.client.conversations.pin.mutate({ conversationId: chats[0]!.id });
    expect(pinnedFirst.pinnedAt).not.toBeNull();
    await ada.client.conversations.pin.mutate({ conversationId: chats[1]!.id });
    const ids = await listIds(ada);
    expect(ids.slice(0, 2).sort()).toEqual([chats[0]!.id, chats[1]!.id].sort());
    expect(ids.slice(2)).toEqual(
      chats
        .slice(2)
        .map((c) => c.id)
        .reverse(),
    );
    // A second page does not repeat the pins.
    const first = await ada.client.conversations.list.query({ limit: 2 });
    expect(first.items).toHaveLength(4);
    const second = await ada.client.conversations.list.query({
      limit: 10,
      cursor: first.nextCursor,
    });
    expect(second.items.map((c) => c.id)).toEqual(
      chats
        .slice(2, 4)
        .map((c) => c.id)
        .reverse(),
    );

    for (const chat of chats.slice(2, 5)) {
      await ada.client.conversations.pin.mutate({ conversationId: chat.id });
    }
    expect(
      await errorCode(ada.client.conversations.pin.mutate({ conversationId: chats[5]!.id })),
    ).toBe('PRECONDITION_FAILED');
    // Pinning again is a no-op; archiving unpins, which frees a slot.
    await ada.client.conversations.pin.mutate({ conversationId: chats[0]!.id });
    const archived = await ada.client.conversations.archive.mutate({
      conversationId: chats[0]!.id,
    });
    expect(archived).toMatchObject({ archived: true, pinnedAt: null });
    const sixth = await ada.client.conversations.pin.mutate({ conversationId: chats[5]!.id });
    expect(sixth.pinnedAt).not.toBeNull();
    const unpinned = await ada.client.conversations.unpin.mutate({ conversationId: chats[1]!.id });
    expect(unpinned.pinnedAt).toBeNull();

    // Marked unread until Ada reads it, on any device.
    const marked = await ada.client.conversations.markUnread.mutate({
      conversationId: chats[2]!.id,
    });
    expect(marked).toMatchObject({ markedUnread: true, unreadCount: 0 });
    await ada.client.conversations.markRead.mutate({ conversationId: chats[2]!.id });
    expect(
      (await ada.client.conversations.get.query({ conversationId: chats[2]!.id })).markedUnread,
    ).toBe(false);
    await vi.waitFor(() =>
      expect(
        ofType(phone, 'conversation.state_changed')
          .filter((e) => e.conversationId === chats[2]!.id)
          .map((e) => [e.markedUnread, e.pinnedAt !== null]),
      ).toEqual([
        [false, true], // pinned
        [true, true],
        [false, true],
      ]),
    );
  });

  it('over REST: archive, pin, unread, the archived list and the draft', async () => {
    await using server = await startTestServer({ dialect });
    const [adaUser, benUser, eveUser] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const as = (u: TestUser) =>
      createClient<paths>({
        baseUrl: `${server.url}/api/v1`,
        headers: { authorization: `Bearer ${u.auth.accessToken}` },
      });
    const [ada, eve] = [as(adaUser), as(eveUser)];
    const chat = await adaUser.client.conversations.openDirect.mutate({ userId: benUser.id });
    const path = { conversationId: chat.id };

    const archived = await ada.POST('/conversations/{conversationId}/archive', {
      params: { path },
    });
    expect(archived.data).toMatchObject({ id: chat.id, archived: true, memberCount: 2 });
    const list = await ada.GET('/conversations/archived');
    expect(list.data?.items.map((c) => c.id)).toEqual([chat.id]);
    expect((await ada.GET('/conversations')).data?.items).toEqual([]);
    expect(
      (await ada.DELETE('/conversations/{conversationId}/archive', { params: { path } })).data,
    ).toMatchObject({ archived: false });
    expect(
      (await ada.POST('/conversations/{conversationId}/pin', { params: { path } })).data,
    ).toMatchObject({ pinnedAt: expect.any(String) });
    expect(
      (await ada.DELETE('/conversations/{conversationId}/pin', { params: { path } })).data,
    ).toMatchObject({ pinnedAt: null });
    expect(
      (await ada.POST('/conversations/{conversationId}/unread', { params: { path } })).data,
    ).toMatchObject({ markedUnread: true });

    const saved = await ada.PUT('/conversations/{conversationId}/draft', {
      params: { path },
      body: { text: 'half a thought' },
    });
    expect(saved.data).toMatchObject({ conversationId: chat.id, text: 'half a thought' });
    expect(
      (await ada.GET('/conversations/{conversationId}/draft', { params: { path } })).data,
    ).toEqual(saved.data);
    const stranger = await eve.PUT('/conversations/{conversationId}/draft', {
      params: { path },
      body: { text: 'x' },
    });
    expect(stranger.response.status).toBe(404);
    const nul = await ada.PUT('/conversations/{conversationId}/draft', {
      params: { path },
      body: { text: 'a\u0000b' },
    });
    expect(nul.response.status).toBe(400);
  });
});

describeEachDialect('drafts', (dialect) => {
  it('a draft begun on the phone continues on the laptop, live and after resuming', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const conversationId = chat.id;
    expect(chat.draft).toBeNull();
    const from = (await ada.client.events.head.query()).lastEventId ?? '';
    await using laptop = await connectDevice(server, ada);
    await using benPhone = await connectDevice(server, ben);

    const draft = await ada.client.conversations.saveDraft.mutate({
      conversationId,
      text: 'See you at',
    });
    expect(draft).toEqual({ conversationId, text: 'See you at', updatedAt: expect.any(String) });
    await vi.waitFor(() =>
      expect(ofType(laptop, 'draft.updated')).toEqual([
        expect.objectContaining({ conversationId, draft }),
      ]),
    );
    expect((await ada.client.conversations.get.query({ conversationId })).draft).toEqual(draft);
    expect(await ada.client.conversations.draft.query({ conversationId })).toEqual(draft);
    // The same text again changes nothing.
    await ada.client.conversations.saveDraft.mutate({ conversationId, text: 'See you at' });
    await ada.client.conversations.saveDraft.mutate({ conversationId, text: '' });
    await vi.waitFor(() => expect(ofType(laptop, 'draft.updated')).toHaveLength(2));
    expect(ofType(laptop, 'draft.updated')[1]!.draft.text).toBe('');
    expect((await ada.client.conversations.get.query({ conversationId })).draft).toBeNull();
    // Drafts are private: Ben sees nothing, Eve cannot reach the conversation.
    expect(ofType(benPhone, 'draft.updated')).toEqual([]);
    expect((await ben.client.conversations.get.query({ conversationId })).draft).toBeNull();
    expect(await errorCode(eve.client.conversations.draft.query({ conversationId }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await errorCode(eve.client.conversations.saveDraft.mutate({ conversationId, text: 'x' })),
    ).toBe('NOT_FOUND');
    expect(
      await errorCode(
        ada.client.conversations.saveDraft.mutate({ conversationId, text: 'x'.repeat(5001) }),
      ),
    ).toBe('BAD_REQUEST');

    // A device that was away replays both saves.
    await using phone = await connectDevice(server, ada, from);
    await vi.waitFor(() =>
      expect(ofType(phone, 'draft.updated').map((e) => e.draft.text)).toEqual(['See you at', '']),
    );
  });
});

describeEachDialect('deleting a group', (dialect) => {
  it('admins only; every member is told live or on resume, and the history is gone', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id, cy.id] });
    expect(group.memberCount).toBe(3);
    const groupId = group.id;
    const cyFrom = (await cy.client.events.head.query()).lastEventId ?? '';
    await using benPhone = await connectDevice(server, ben);
    const message = await ben.client.messages.send.mutate({
      conversationId: groupId,
      clientMessageId: 'm',
      text: 'soon gone',
    });
    await vi.waitFor(() => expect(ofType(benPhone, 'message.created')).toHaveLength(1));

    expect(await errorCode(ben.client.groups.delete.mutate({ groupId }))).toBe('FORBIDDEN');
    expect(await errorCode(eve.client.groups.delete.mutate({ groupId }))).toBe('NOT_FOUND');
    await ada.client.groups.delete.mutate({ groupId });

    await vi.waitFor(() =>
      expect(ofType(benPhone, 'conversation.deleted')).toEqual([
        expect.objectContaining({ conversationId: groupId, actorId: ada.id }),
      ]),
    );
    for (const user of [ada, ben, cy]) {
      expect(
        await errorCode(user.client.conversations.get.query({ conversationId: groupId })),
      ).toBe('NOT_FOUND');
      expect(await errorCode(user.client.messages.get.query({ messageId: message.id }))).toBe(
        'NOT_FOUND',
      );
      expect(await listIds(user)).toEqual([]);
    }
    // Cy was offline: the resume tells her, and no longer carries the deleted history.
    await using cyPhone = await connectDevice(server, cy, cyFrom);
    await vi.waitFor(() => expect(ofType(cyPhone, 'conversation.deleted')).toHaveLength(1));
    expect(cyPhone.durable.map((e) => e.type)).toEqual(['conversation.deleted']);
    expect(await errorCode(ada.client.groups.delete.mutate({ groupId }))).toBe('NOT_FOUND');
  });
});

describeEachDialect('profile and mute changes reach other devices and contacts', (dialect) => {
  it('emits user.updated to the user and their contacts, not to strangers', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, eve] = await registerUsers(server, 'Ada', 'Ben', 'Eve');
    await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const benFrom = (await ben.client.events.head.query()).lastEventId ?? '';
    await using adaLaptop = await connectDevice(server, ada);
    await using evePhone = await connectDevice(server, eve);

    await ada.client.users.updateMe.mutate({ displayName: 'Ada L.', about: 'math' });
    const expected = {
      type: 'user.updated',
      userId: ada.id,
      user: { id: ada.id, displayName: 'Ada L.', about: 'math', avatarFileId: null, isBot: false },
    };
    await vi.waitFor(() =>
      expect(ofType(adaLaptop, 'user.updated')).toEqual([expect.objectContaining(expected)]),
    );
    await using benPhone = await connectDevice(server, ben, benFrom);
    await vi.waitFor(() =>
      expect(ofType(benPhone, 'user.updated')).toEqual([expect.objectContaining(expected)]),
    );
    await ada.client.users.updateMe.mutate({ about: 'engines' });
    await vi.waitFor(() => expect(ofType(benPhone, 'user.updated')).toHaveLength(2));
    expect(ofType(evePhone, 'user.updated')).toEqual([]);
  });
});
