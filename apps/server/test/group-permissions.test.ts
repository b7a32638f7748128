import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, registerUser, registerUsers, type TestUser } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

/** The system payload's fields an action leaves empty. */
const noFields = { name: null, role: null, messageId: null, retention: null };

/** [name, role] of every member, by name. */
const rolesOf = async (user: TestUser, conversationId: string) =>
  (await user.client.conversations.participants.query({ conversationId }))
    .map((p) => [p.user.displayName, p.role])
    .sort(([a], [b]) => a!.localeCompare(b!));

describeEachDialect('group permissions', (dialect) => {
  it('walks the permission matrix: members are refused admin actions, strangers learn nothing', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, dee, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dee', 'Eve');
    const group = await ada.client.groups.create.mutate({
      name: 'Trip',
      userIds: [ben.id, cy.id],
      description: 'Lisbon in May',
    });
    expect(group).toMatchObject({ type: 'group', title: 'Trip', myRole: 'admin', unreadCount: 0 });
    expect(group.description).toBe('Lisbon in May');
    const groupId = group.id;

    // Every admin-only action, as `user` would attempt it.
    const adminOnly = {
      update: (u: TestUser) => u.client.groups.update.mutate({ groupId, name: 'Renamed' }),
      addMembers: (u: TestUser) =>
        u.client.groups.addMembers.mutate({ groupId, userIds: [dee.id] }),
      setRole: (u: TestUser) =>
        u.client.groups.setRole.mutate({ groupId, userId: cy.id, role: 'admin' }),
      removeMember: (u: TestUser) =>
        u.client.groups.removeMember.mutate({ groupId, userId: cy.id }),
    };
    for (const [action, attempt] of Object.entries(adminOnly)) {
      expect(await errorCode(attempt(ben)), action).toBe('FORBIDDEN');
    }
    // Nor can a member promote themselves, or demote or remove the admin.
    expect(
      await errorCode(ben.client.groups.setRole.mutate({ groupId, userId: ben.id, role: 'admin' })),
    ).toBe('FORBIDDEN');
    expect(
      await errorCode(
        ben.client.groups.setRole.mutate({ groupId, userId: ada.id, role: 'member' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await errorCode(ben.client.groups.removeMember.mutate({ groupId, userId: ada.id })),
    ).toBe('FORBIDDEN');
    expect(await rolesOf(ada, groupId)).toEqual([
      ['Ada', 'admin'],
      ['Ben', 'member'],
      ['Cy', 'member'],
    ]);

    // A stranger gets NOT_FOUND for everything, exactly as for a group that does not exist.
    const anything = {
      ...adminOnly,
      leave: (u: TestUser) => u.client.groups.leave.mutate({ groupId }),
      get: (u: TestUser) => u.client.conversations.get.query({ conversationId: groupId }),
      participants: (u: TestUser) =>
        u.client.conversations.participants.query({ conversationId: groupId }),
      history: (u: TestUser) => u.client.messages.list.query({ conversationId: groupId }),
      send: (u: TestUser) =>
        u.client.messages.send.mutate({ conversationId: groupId, clientMessageId: 'x', text: 'x' }),
      markRead: (u: TestUser) =>
        u.client.conversations.markRead.mutate({ conversationId: groupId }),
      typing: (u: TestUser) =>
        u.client.typing.set.mutate({ conversationId: groupId, isTyping: true }),
    };
    for (const [action, attempt] of Object.entries(anything)) {
      expect(await errorCode(attempt(eve)), action).toBe('NOT_FOUND');
    }
    expect(await errorCode(ada.client.groups.update.mutate({ groupId: 'nope', name: 'x' }))).toBe(
      'NOT_FOUND',
    );
    // A direct chat is no group, even for its members.
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    expect(
      await errorCode(ada.client.groups.update.mutate({ groupId: direct.id, name: 'x' })),
    ).toBe('NOT_FOUND');
    expect(await errorCode(ben.client.groups.leave.mutate({ groupId: direct.id }))).toBe(
      'NOT_FOUND',
    );

    // What a plain member may do.
    await ben.client.messages.send.mutate({
      conversationId: groupId,
      clientMessageId: 'b1',
      text: 'hi all',
    });
    await ben.client.conversations.markRead.mutate({ conversationId: groupId });
    await ben.client.typing.set.mutate({ conversationId: groupId, isTyping: true });
    expect(await rolesOf(ben, groupId)).toHaveLength(3);

    // Every admin-only action succeeds for the admin (removing another admin included).
    expect((await adminOnly.update(ada)).title).toBe('Renamed');
    expect(await adminOnly.addMembers(ada)).toEqual({ addedUserIds: [dee.id] });
    expect(await adminOnly.setRole(ada)).toEqual({
      conversationId: groupId,
      userId: cy.id,
      role: 'admin',
    });
    expect(await adminOnly.removeMember(ada)).toEqual({ ok: true });
    expect(await rolesOf(ben, groupId)).toEqual([
      ['Ada', 'admin'],
      ['Ben', 'member'],
      ['Dee', 'member'],
    ]);

    // Each change is a typed system message in the timeline, with an English fallback text.
    const { messages } = await ben.client.messages.list.query({ conversationId: groupId });
    expect(messages.map((m) => [m.kind, m.system?.action ?? m.text])).toEqual([
      ['system', 'group_created'],
      ['text', 'hi all'],
      ['system', 'group_renamed'],
      ['system', 'members_added'],
      ['system', 'role_changed'],
      ['system', 'member_removed'],
    ]);
    expect(messages[0]).toMatchObject({
      senderId: ada.id,
      text: 'Ada created the group “Trip”',
      system: {
        action: 'group_created',
        actorId: ada.id,
        userIds: [ben.id, cy.id],
        name: 'Trip',
        role: null,
      },
    });
    expect(messages.slice(2).map((m) => m.text)).toEqual([
      'Ada renamed the group to “Renamed”',
      'Ada added Dee',
      'Ada made Cy an admin',
      'Ada removed Cy',
    ]);
    expect(messages[4]!.system).toEqual({
      ...noFields,
      action: 'role_changed',
      actorId: ada.id,
      userIds: [cy.id],
      role: 'admin',
    });
    // The actor is the sender of the record, but the record is not theirs to change.
    expect(
      await errorCode(ada.client.messages.edit.mutate({ messageId: messages[3]!.id, text: 'x' })),
    ).toBe('FORBIDDEN');
    expect(await errorCode(ada.client.messages.delete.mutate({ messageId: messages[3]!.id }))).toBe(
      'FORBIDDEN',
    );

    // And a plain member may leave.
    expect(await ben.client.groups.leave.mutate({ groupId })).toEqual({ ok: true });
    expect(await errorCode(ben.client.conversations.get.query({ conversationId: groupId }))).toBe(
      'NOT_FOUND',
    );
  });

  it('keeps an admin: the last one cannot step down, and leaving appoints the longest-standing member', async () => {
    await using server = await startTestServer({ dialect });
    // Registered one after the other, so ids sort Dee < Cy < Ben, the reverse of the order in
    // which they join: only the join order may decide who is appointed.
    const ada = await registerUser(server, 'Ada');
    const dee = await registerUser(server, 'Dee');
    const cy = await registerUser(server, 'Cy');
    const ben = await registerUser(server, 'Ben');
    const { id: groupId } = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    await ada.client.groups.addMembers.mutate({ groupId, userIds: [cy.id] });
    await ada.client.groups.addMembers.mutate({ groupId, userIds: [dee.id] });

    const stepDown = (u: TestUser) =>
      u.client.groups.setRole.mutate({ groupId, userId: u.id, role: 'member' });
    expect(await errorCode(stepDown(ada))).toBe('PRECONDITION_FAILED');
    // Setting the role someone already has changes nothing.
    await ada.client.groups.setRole.mutate({ groupId, userId: ada.id, role: 'admin' });
    await ada.client.groups.setRole.mutate({ groupId, userId: ben.id, role: 'admin' });
    await stepDown(ada); // Ben is an admin too now
    expect(await errorCode(stepDown(ben))).toBe('PRECONDITION_FAILED');
    await ben.client.groups.setRole.mutate({ groupId, userId: ada.id, role: 'admin' });

    // Ada leaves while Ben is still an admin: nobody is appointed.
    await ada.client.groups.leave.mutate({ groupId });
    expect(await rolesOf(ben, groupId)).toEqual([
      ['Ben', 'admin'],
      ['Cy', 'member'],
      ['Dee', 'member'],
    ]);
    // Ben, the last admin, leaves: Cy (joined before Dee) is appointed, by nobody.
    await ben.client.groups.leave.mutate({ groupId });
    expect(await rolesOf(cy, groupId)).toEqual([
      ['Cy', 'admin'],
      ['Dee', 'member'],
    ]);
    const { messages } = await cy.client.messages.list.query({ conversationId: groupId });
    expect(messages.slice(-2).map((m) => [m.text, m.system])).toEqual([
      ['Ben left', { ...noFields, action: 'member_left', actorId: ben.id, userIds: [ben.id] }],
      [
        'Cy is now an admin',
        { ...noFields, action: 'role_changed', actorId: null, userIds: [cy.id], role: 'admin' },
      ],
    ]);
    expect(await errorCode(stepDown(cy))).toBe('PRECONDITION_FAILED');

    // The last members may leave too; then the group is nobody's.
    await cy.client.groups.leave.mutate({ groupId });
    expect(await rolesOf(dee, groupId)).toEqual([['Dee', 'admin']]);
    await dee.client.groups.leave.mutate({ groupId });
    expect(await errorCode(dee.client.conversations.get.query({ conversationId: groupId }))).toBe(
      'NOT_FOUND',
    );
  });

  it('caps members at GROUP_MAX_MEMBERS and validates what it is given', async () => {
    await using server = await startTestServer({ dialect, env: { GROUP_MAX_MEMBERS: '3' } });
    const [ada, ben, cy, dee] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dee');
    const create = (userIds: string[], name = 'G') =>
      ada.client.groups.create.mutate({ name, userIds });
    expect(await errorCode(create([ben.id, cy.id, dee.id]))).toBe('BAD_REQUEST');
    // Duplicates and the creator themselves are ignored.
    const group = await create([ben.id, cy.id, ben.id, ada.id]);
    const groupId = group.id;
    expect(await rolesOf(ada, groupId)).toHaveLength(3);
    const add = (userIds: string[]) => ada.client.groups.addMembers.mutate({ groupId, userIds });
    expect(await errorCode(add([dee.id]))).toBe('PRECONDITION_FAILED');
    // Adding someone already there adds nothing, so it is not over the limit either.
    expect(await add([ben.id])).toEqual({ addedUserIds: [] });
    await ada.client.groups.removeMember.mutate({ groupId, userId: cy.id });
    expect(await add([dee.id])).toEqual({ addedUserIds: [dee.id] });

    expect(await errorCode(create(['no-such-user']))).toBe('NOT_FOUND');
    expect(await errorCode(add(['no-such-user']))).toBe('NOT_FOUND');
    expect(await errorCode(create([ben.id], '   '))).toBe('BAD_REQUEST');
    // An avatar must be the caller's own upload; an id that is none is NOT_FOUND.
    expect(
      await errorCode(
        ada.client.groups.create.mutate({ name: 'G', userIds: [], avatarFileId: 'not-a-file' }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await errorCode(ada.client.groups.update.mutate({ groupId, avatarFileId: 'not-a-file' })),
    ).toBe('NOT_FOUND');
    expect(await errorCode(add([]))).toBe('BAD_REQUEST');
    expect(
      await errorCode(
        ada.client.groups.setRole.mutate({ groupId, userId: dee.id, role: 'owner' as 'admin' }),
      ),
    ).toBe('BAD_REQUEST');
    expect(await errorCode(ada.client.groups.removeMember.mutate({ groupId, userId: cy.id }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await errorCode(ada.client.groups.removeMember.mutate({ groupId, userId: ada.id })),
    ).toBe('BAD_REQUEST');
    // Clearing the description and changing nothing at all both work; the latter is silent.
    const cleared = await ada.client.groups.update.mutate({ groupId, description: null });
    expect(cleared.description).toBeNull();
    const before = await ada.client.conversations.get.query({ conversationId: groupId });
    await ada.client.groups.update.mutate({ groupId, name: 'G' });
    expect((await ada.client.conversations.get.query({ conversationId: groupId })).lastSeq).toBe(
      before.lastSeq,
    );
  });
  it('charges a send point for creating a group and for adding members, never for leaving', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '2' } });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const { id: groupId } = await ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id] });
    await ada.client.groups.addMembers.mutate({ groupId, userIds: [cy.id] });
    expect(
      await errorCode(ada.client.groups.create.mutate({ name: 'Spam', userIds: [ben.id] })),
    ).toBe('TOO_MANY_REQUESTS');
    expect(
      await errorCode(ada.client.groups.addMembers.mutate({ groupId, userIds: [cy.id] })),
    ).toBe('TOO_MANY_REQUESTS');
    // Moderation and leaving always work.
    await ada.client.groups.removeMember.mutate({ groupId, userId: cy.id });
    await ada.client.groups.leave.mutate({ groupId });
    expect(await rolesOf(ben, groupId)).toEqual([['Ben', 'admin']]);
  });
});
