import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, registerUsers } from './helpers/clients.ts';
import { download, makePng, upload } from './helpers/files.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('group avatars and files', (dialect) => {
  it('an avatar is the admin’s own image; group files follow membership', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben, cy, eve] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Eve');
    const photo = await upload(server, ada, await makePng(120, 120), 'g.png', 'image/png');
    const doc = await upload(server, ada, new TextEncoder().encode('doc'), 'd.txt', 'text/plain');
    const bens = await upload(server, ben, await makePng(40, 40), 'b.png', 'image/png');

    // Someone else's file, or no image: refused, so no file can leak through a group.
    const create = (avatarFileId: string) =>
      ada.client.groups.create.mutate({ name: 'G', userIds: [ben.id, cy.id], avatarFileId });
    expect(await errorCode(create(bens.id))).toBe('NOT_FOUND');
    expect(await errorCode(create(doc.id))).toBe('BAD_REQUEST');
    const group = await create(photo.id);
    const groupId = group.id;
    expect(group.avatarFileId).toBe(photo.id);
    expect((await download(server, cy, `${photo.id}/thumbnail/64`)).status).toBe(200);
    expect((await download(server, eve, photo.id)).status).toBe(404);

    // Another admin may resend the current avatar (no change) or set their own image, not a
    // file of someone else's.
    await ada.client.groups.setRole.mutate({ groupId, userId: ben.id, role: 'admin' });
    await ben.client.groups.update.mutate({ groupId, name: 'G2', avatarFileId: photo.id });
    expect(
      await errorCode(ben.client.groups.update.mutate({ groupId, avatarFileId: doc.id })),
    ).toBe('NOT_FOUND');
    const changed = await ben.client.groups.update.mutate({ groupId, avatarFileId: bens.id });
    expect(changed.avatarFileId).toBe(bens.id);
    const { messages } = await cy.client.messages.list.query({ conversationId: groupId });
    expect(messages.map((m) => m.system?.action)).toEqual([
      'group_created',
      'role_changed',
      'group_renamed',
      'avatar_changed',
    ]);

    // A file shared in the group is readable by its members, and by nobody once removed.
    const shared = await upload(server, ada, await makePng(30, 30), 's.png', 'image/png');
    await ada.client.messages.send.mutate({
      conversationId: groupId,
      clientMessageId: 'f',
      text: '',
      attachments: [shared.id],
    });
    expect((await download(server, cy, shared.id)).status).toBe(200);
    await ada.client.groups.removeMember.mutate({ groupId, userId: cy.id });
    expect((await download(server, cy, shared.id)).status).toBe(404);
    expect((await download(server, cy, bens.id)).status).toBe(404);
  });
});
