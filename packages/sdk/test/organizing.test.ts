import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { signedUpClient, testClient } from './helpers/sdk.ts';

describe('organizing conversations through the SDK', () => {
  it('syncs drafts, archive, pins and profiles to the other devices; counts "read by N of M"', async () => {
    await using server = await startTestServer();
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    await using cy = await signedUpClient(server.url, 'Cy');
    await using adaLaptop = testClient(server.url);
    await adaLaptop.parley.auth.login({ email: ada.email, password: ada.password });
    const [benId, cyId] = [ben.parley.session!.user.id, cy.parley.session!.user.id];
    const group = await ada.parley.groups.create({ name: 'Trip', userIds: [benId, cyId] });
    expect(group.memberCount).toBe(3);
    await vi.waitFor(() => expect(adaLaptop.parley.connection.status).toBe('connected'));

    // A draft begun on the phone shows up on the laptop.
    await ada.parley.conversations.saveDraft({ conversationId: group.id, text: 'Packing list:' });
    await vi.waitFor(() =>
      expect(adaLaptop.events.draft.map((e) => e.draft.text)).toEqual(['Packing list:']),
    );
    await ada.parley.conversations.pin({ conversationId: group.id });
    await vi.waitFor(() =>
      expect(adaLaptop.events.conversationState).toMatchObject([
        { conversationId: group.id, pinnedAt: expect.any(String), archived: false },
      ]),
    );

    // Read by N of M, from the live receipts.
    const outgoing = ada.parley.messages.send({ conversationId: group.id, text: 'who is in?' });
    await outgoing.sent;
    await vi.waitFor(() => expect(outgoing.recipientCount).toBe(2));
    expect(outgoing.readBy).toBe(0);
    await ben.parley.conversations.markRead({ conversationId: group.id });
    await vi.waitFor(() => expect(outgoing.readBy).toBe(1));
    expect(outgoing.status).not.toBe('read');
    await cy.parley.conversations.markRead({ conversationId: group.id });
    await vi.waitFor(() => expect(outgoing).toMatchObject({ readBy: 2, status: 'read' }));

    // Profiles reach contacts; a deleted group reaches every member.
    await ben.parley.users.updateMe({ displayName: 'Benjamin' });
    await vi.waitFor(() =>
      expect(ada.events.user).toMatchObject([{ userId: benId, user: { displayName: 'Benjamin' } }]),
    );
    await ada.parley.groups.delete({ groupId: group.id });
    await vi.waitFor(() => {
      for (const client of [ben, cy, adaLaptop]) {
        expect(client.events.conversationDeleted).toMatchObject([{ conversationId: group.id }]);
      }
    });
  });
});
