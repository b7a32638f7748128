import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { connectDevice, type Device } from './helpers/streams.ts';
import { startTestServer } from './helpers/test-server.ts';

/** "type", or "type:action" / "type:text" for messages: what a device saw, briefly. */
function brief(e: StreamEvent): string {
  if (e.type !== 'message.created') return e.type;
  return `${e.type}:${e.message.system?.action ?? e.message.text}`;
}
const seen = (device: Device) => device.durable.map(brief);

describeEachDialect('group membership, history and live events', (dialect) => {
  it('a new member sees the group from the message announcing them, live and on replay', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, dee] = await registerUsers(server, 'Ada', 'Ben', 'Dee');
    const direct = await ada.client.conversations.openDirect.mutate({ userId: dee.id });
    await using deePhone = await connectDevice(server, dee);
    const beforeGroup = deePhone.lastEventId;

    const group = await ada.client.groups.create.mutate({ name: 'Book club', userIds: [ben.id] });
    const conversationId = group.id;
    const before = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: 'before',
      text: 'before Dee',
    });
    // Events reach a device in log order: once this direct message is there, anything of the
    // group sent before it would be too.
    await ada.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'dm',
      text: 'join us?',
    });
    await vi.waitFor(() => expect(seen(deePhone)).toEqual(['message.created:join us?']));

    await ada.client.groups.addMembers.mutate({ groupId: conversationId, userIds: [dee.id] });
    await ben.client.messages.send.mutate({
      conversationId,
      clientMessageId: 'w',
      text: 'welcome',
    });
    const joinedLive = [
      'member.joined',
      'message.created:members_added',
      'message.created:welcome',
    ];
    await vi.waitFor(() =>
      expect(seen(deePhone)).toEqual(['message.created:join us?', ...joinedLive]),
    );
    expect(deePhone.durable[1]).toMatchObject({
      type: 'member.joined',
      conversationId,
      userIds: [dee.id],
      actorId: ada.id,
      conversation: { id: conversationId, type: 'group', title: 'Book club' },
    });

    // History starts at the announcement; older messages do not exist for Dee.
    const history = await dee.client.messages.list.query({ conversationId });
    expect(history.messages.map((m) => m.system?.action ?? m.text)).toEqual([
      'members_added',
      'welcome',
    ]);
    expect(history.hasMore).toBe(false);
    expect(await errorCode(dee.client.messages.get.query({ messageId: before.id }))).toBe(
      'NOT_FOUND',
    );
    const view = await dee.client.conversations.get.query({ conversationId });
    expect(view).toMatchObject({ myRole: 'member', unreadCount: 1 });
    expect(view.lastMessage?.text).toBe('welcome');

    // Replay from before the group existed: the same events, nothing older of the group.
    await using deeLaptop = await connectDevice(server, dee, beforeGroup);
    await ada.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'dm2',
      text: 'barrier',
    });
    await vi.waitFor(() =>
      expect(seen(deeLaptop)).toEqual([
        'message.created:join us?',
        ...joinedLive,
        'message.created:barrier',
      ]),
    );

    // Dee never saw the older message, so she does not hold back its receipts.
    await ben.client.conversations.markRead.mutate({ conversationId });
    expect(await ada.client.messages.status.query({ messageId: before.id })).toMatchObject({
      status: 'read',
      recipients: [{ userId: ben.id, status: 'read' }],
    });
  });

  it('a removed member stops receiving at once, keeps nothing on the server, and rejoins afresh', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id, cy.id] });
    const conversationId = group.id;
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const first = await ada.client.messages.send.mutate({
      conversationId,
      clientMessageId: 'm1',
      text: 'first',
    });
    await using benPhone = await connectDevice(server, ben);
    await using cyPhone = await connectDevice(server, cy);
    const beforeRemoval = benPhone.lastEventId;

    await ada.client.groups.removeMember.mutate({ groupId: conversationId, userId: ben.id });
    const left = { type: 'member.left', conversationId, userId: ben.id, reason: 'removed' };
    await vi.waitFor(() => expect(benPhone.durable).toMatchObject([left]));
    expect(benPhone.durable[0]).toMatchObject({ actorId: ada.id });

    // From now on nothing of the group reaches him: not messages, not typing.
    await ada.client.messages.send.mutate({ conversationId, clientMessageId: 'm2', text: 'after' });
    await cy.client.typing.set.mutate({ conversationId, isTyping: true });
    await ada.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'dm',
      text: 'sorry Ben',
    });
    await ada.client.typing.set.mutate({ conversationId: direct.id, isTyping: true });
    await vi.waitFor(() => {
      expect(seen(benPhone)).toEqual(['member.left', 'message.created:sorry Ben']);
      const typing = benPhone.ephemeral.filter((e) => e.type === 'typing');
      expect(typing).toMatchObject([{ type: 'typing', conversationId: direct.id }]);
    });
    // The others see it happen in the timeline.
    await vi.waitFor(() =>
      expect(seen(cyPhone)).toEqual([
        'member.left',
        'message.created:member_removed',
        'message.created:after',
      ]),
    );
    expect(cyPhone.durable[0]).toMatchObject(left);

    // The server keeps nothing for him: the group is NOT_FOUND in every way.
    const attempts = [
      () => ben.client.conversations.get.query({ conversationId }),
      () => ben.client.messages.list.query({ conversationId }),
      () => ben.client.messages.get.query({ messageId: first.id }),
      () => ben.client.conversations.participants.query({ conversationId }),
      () => ben.client.messages.send.mutate({ conversationId, clientMessageId: 'x', text: 'x' }),
      () => ben.client.conversations.markRead.mutate({ conversationId }),
      () => ben.client.groups.leave.mutate({ groupId: conversationId }),
    ];
    for (const attempt of attempts) expect(await errorCode(attempt())).toBe('NOT_FOUND');
    const list = await ben.client.conversations.list.query({});
    expect(list.items.map((c) => c.id)).toEqual([direct.id]);

    // Replay from before the removal: his own member.left and the direct chat, nothing else.
    await using benLaptop = await connectDevice(server, ben, beforeRemoval);
    await ada.client.messages.send.mutate({
      conversationId: direct.id,
      clientMessageId: 'dm2',
      text: 'barrier',
    });
    await vi.waitFor(() =>
      expect(seen(benLaptop)).toEqual([
        'member.left',
        'message.created:sorry Ben',
        'message.created:barrier',
      ]),
    );

    // Added back, he starts afresh: history from the new announcement only.
    await ada.client.groups.addMembers.mutate({ groupId: conversationId, userIds: [ben.id] });
    const again = await ben.client.messages.list.query({ conversationId });
    expect(again.messages.map((m) => m.system?.action ?? m.text)).toEqual(['members_added']);
    await vi.waitFor(() =>
      expect(seen(benPhone).slice(-2)).toEqual(['member.joined', 'message.created:members_added']),
    );
  });

  it('the last admin leaves: everyone learns it live, and the longest-standing member takes over', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const group = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    const conversationId = group.id;
    await ada.client.groups.addMembers.mutate({ groupId: conversationId, userIds: [cy.id] });
    await using adaPhone = await connectDevice(server, ada);
    await using cyPhone = await connectDevice(server, cy);

    await ada.client.groups.leave.mutate({ groupId: conversationId });
    await vi.waitFor(() =>
      expect(seen(cyPhone)).toEqual([
        'member.left',
        'message.created:member_left',
        'member.role_changed',
        'message.created:role_changed',
      ]),
    );
    expect(cyPhone.durable[0]).toMatchObject({ userId: ada.id, reason: 'left', actorId: ada.id });
    expect(cyPhone.durable[2]).toMatchObject({ userId: ben.id, role: 'admin', actorId: null });
    // Ada's devices get her own member.left, and nothing after it.
    await vi.waitFor(() => expect(seen(adaPhone)).toEqual(['member.left']));
    expect(adaPhone.durable[0]).toMatchObject({ conversationId, userId: ada.id, reason: 'left' });
    await ben.client.groups.update.mutate({ groupId: conversationId, name: 'Ben’s now' });
    await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    await vi.waitFor(() => expect(seen(adaPhone)).toEqual(['member.left', 'conversation.created']));
    const renamed = cyPhone.durable.find((e) => e.type === 'conversation.updated');
    expect(renamed).toMatchObject({ conversation: { title: 'Ben’s now' } });
  });
});
