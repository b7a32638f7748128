import { startTestServer } from '@parley/server/testing';
import { describe, expect, it, vi } from 'vitest';
import { signedUpClient } from './helpers/sdk.ts';

describe('groups and broadcasts through the SDK', () => {
  it('follows a group message to read by every member, and hears membership changes', async () => {
    await using server = await startTestServer();
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    await using cy = await signedUpClient(server.url, 'Cy');
    const [benId, cyId] = [ben.parley.session!.user.id, cy.parley.session!.user.id];
    const group = await ada.parley.groups.create({ name: 'Trip', userIds: [benId, cyId] });
    // Members see the group appear and its first system message.
    await vi.waitFor(() => {
      expect(ben.events.conversation.map((e) => e.conversationId)).toEqual([group.id]);
      expect(ben.messages().map((m) => m.system?.action)).toEqual(['group_created']);
    });

    // Delivered once both members' devices have it (acknowledged by the SDK), read once both read.
    const outgoing = ada.parley.messages.send({ conversationId: group.id, text: 'hi all' });
    await outgoing.sent;
    await vi.waitFor(() => expect(outgoing.status).toBe('delivered'));
    await ben.parley.conversations.markRead({ conversationId: group.id });
    expect(outgoing.status).toBe('delivered');
    await cy.parley.conversations.markRead({ conversationId: group.id });
    await vi.waitFor(() => expect(outgoing.status).toBe('read'));

    await ada.parley.groups.removeMember({ groupId: group.id, userId: cyId });
    await vi.waitFor(() => {
      expect(ben.events.member).toMatchObject([{ type: 'member.left', userId: cyId }]);
      expect(cy.events.member).toMatchObject([{ type: 'member.left', reason: 'removed' }]);
    });
  });

  it('broadcasts into direct chats and reports per-recipient receipts', async () => {
    await using server = await startTestServer();
    await using ada = await signedUpClient(server.url, 'Ada');
    await using ben = await signedUpClient(server.url, 'Ben');
    const benId = ben.parley.session!.user.id;
    const list = await ada.parley.broadcasts.create({ name: 'Friends', recipientIds: [benId] });
    const sent = await ada.parley.broadcasts.send({
      broadcastId: list.id,
      clientMessageId: 'b1',
      text: 'Party!',
    });
    await vi.waitFor(() => expect(ben.texts()).toEqual(['Party!']));
    // Ben's device acknowledged delivery by itself.
    await vi.waitFor(async () => {
      const status = await ada.parley.broadcasts.status({ broadcastId: list.id, sendId: sent.id });
      expect(status.recipients).toMatchObject([{ userId: benId, status: 'delivered' }]);
    });
  });
});
