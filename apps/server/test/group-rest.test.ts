import { describeEachDialect } from '@parley/db/testing';
import createClient from 'openapi-fetch';
import { expect, it } from 'vitest';
import type { paths } from './generated/parley-api.gen.ts';
import { registerUsers, type TestUser } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('groups and broadcasts over REST (generated client)', (dialect) => {
  it('runs the group and broadcast paths the Flutter client uses', async () => {
    await using server = await startTestServer({ dialect });
    const [adaUser, benUser, cyUser] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    const as = (u: TestUser) =>
      createClient<paths>({
        baseUrl: `${server.url}/api/v1`,
        headers: { authorization: `Bearer ${u.auth.accessToken}` },
      });
    const [ada, ben] = [as(adaUser), as(benUser)];

    const created = await ada.POST('/groups', {
      body: { name: 'Trip', userIds: [benUser.id], description: 'May' },
    });
    expect(created.response.status).toBe(200);
    const groupId = created.data!.id;
    const path = { groupId };
    expect(created.data).toMatchObject({ type: 'group', title: 'Trip', myRole: 'admin' });

    const added = await ada.POST('/groups/{groupId}/members', {
      params: { path },
      body: { userIds: [cyUser.id] },
    });
    expect(added.data).toEqual({ addedUserIds: [cyUser.id] });
    const forbidden = await ben.PATCH('/groups/{groupId}', {
      params: { path },
      body: { name: 'x' },
    });
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.error).toMatchObject({ code: 'FORBIDDEN' });

    const promoted = await ada.PUT('/groups/{groupId}/members/{userId}/role', {
      params: { path: { groupId, userId: benUser.id } },
      body: { role: 'admin' },
    });
    expect(promoted.data).toEqual({ conversationId: groupId, userId: benUser.id, role: 'admin' });
    const renamed = await ben.PATCH('/groups/{groupId}', {
      params: { path },
      body: { name: 'Lisbon' },
    });
    expect(renamed.data?.title).toBe('Lisbon');
    const removed = await ben.DELETE('/groups/{groupId}/members/{userId}', {
      params: { path: { groupId, userId: cyUser.id } },
    });
    expect(removed.data).toEqual({ ok: true });
    // No body, as the document says: the bridge must not insist on a JSON content type.
    const left = await ada.POST('/groups/{groupId}/leave', { params: { path } });
    expect(left.data).toEqual({ ok: true });

    // Ben's history, system messages included, as a REST client reads it.
    const history = await ben.GET('/conversations/{conversationId}/messages', {
      params: { path: { conversationId: groupId } },
    });
    expect(history.data?.messages.map((m) => m.system?.action)).toEqual([
      'group_created',
      'members_added',
      'role_changed',
      'group_renamed',
      'member_removed',
      'member_left',
    ]);

    // Broadcast: create, list, send, receipts.
    const list = await ben.POST('/broadcasts', {
      body: { name: 'Friends', recipientIds: [adaUser.id, cyUser.id] },
    });
    const broadcastId = list.data!.id;
    expect((await ben.GET('/broadcasts')).data?.items.map((l) => l.id)).toEqual([broadcastId]);
    const sent = await ben.POST('/broadcasts/{broadcastId}/messages', {
      params: { path: { broadcastId } },
      body: { clientMessageId: 'b1', text: 'Back home!' },
    });
    expect(sent.data?.recipients).toHaveLength(2);
    const adaCopy = sent.data!.recipients.find((r) => r.userId === adaUser.id)!;
    await ada.POST('/conversations/{conversationId}/read', {
      params: { path: { conversationId: adaCopy.conversationId } },
      body: {},
    });
    const status = await ben.GET('/broadcasts/{broadcastId}/messages/{sendId}', {
      params: { path: { broadcastId, sendId: sent.data!.id } },
    });
    expect(status.data).toMatchObject({ deliveredCount: 1, readCount: 1 });
    const patched = await ben.PATCH('/broadcasts/{broadcastId}', {
      params: { path: { broadcastId } },
      body: { recipientIds: [cyUser.id] },
    });
    expect(patched.data?.recipientIds).toEqual([cyUser.id]);
    const deleted = await ben.DELETE('/broadcasts/{broadcastId}', {
      params: { path: { broadcastId } },
    });
    expect(deleted.data).toEqual({ ok: true });
    expect((await ada.GET('/broadcasts')).data?.items).toEqual([]);
  });
});
