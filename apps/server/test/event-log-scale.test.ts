import type { StreamEvent } from '@parley/api';
import { describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { registerUsers } from './helpers/clients.ts';
import { insertForeignEvents } from './helpers/log-fixture.ts';
import { connectDevice } from './helpers/streams.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/**
 * What the user is entitled to after `afterId`, computed the obvious (whole-log) way: events
 * addressed to them, and their current conversations' events from the time they joined.
 */
async function entitledIds(server: TestServer, userId: string, afterId: string) {
  const { db } = server.server.db;
  const members = await db
    .selectFrom('members')
    .select(['conversation_id', 'joined_after_event_id'])
    .where('user_id', '=', userId)
    .execute();
  const joined = new Map(members.map((m) => [m.conversation_id, m.joined_after_event_id]));
  const all = await db
    .selectFrom('events')
    .select(['id', 'conversation_id', 'user_id'])
    .where('id', '>', afterId)
    .orderBy('id')
    .execute();
  return all
    .filter((e) =>
      e.user_id
        ? e.user_id === userId
        : joined.has(e.conversation_id ?? '') && e.id > joined.get(e.conversation_id ?? '')!,
    )
    .map((e) => e.id);
}

const textOf = (e: StreamEvent) => (e.type === 'message.created' ? e.message.text : undefined);

describeEachDialect('resume with a large foreign log', (dialect) => {
  it('returns exactly the user’s events, across pages, membership changes and 200,000 others', async () => {
    await using server = await startTestServer({ dialect, env: { SEND_RATE_LIMIT: '100000' } });
    const [ada, ben, cy, dan] = await registerUsers(server, 'Ada', 'Ben', 'Cy', 'Dan');
    const direct = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const left = await cy.client.groups.create.mutate({ name: 'Left', userIds: [ben.id] });
    const joined = await dan.client.groups.create.mutate({ name: 'Joined', userIds: [] });
    const cursor = (await ben.client.events.head.query()).lastEventId!;
    const send = (user: typeof ada, conversationId: string, text: string) =>
      user.client.messages.send.mutate({ conversationId, clientMessageId: text, text });

    // Ben is away. Others' events pile up, some of them inside Ben's own direct chat but
    // addressed to Ada only.
    await insertForeignEvents(server, {
      count: 100_000,
      addressed: { userId: ada.id, conversationId: direct.id, every: 997 },
    });
    for (let i = 1; i <= 150; i++) await send(ada, direct.id, `d${i}`);
    await send(cy, left.id, 'left: before removal');
    await cy.client.groups.removeMember.mutate({ groupId: left.id, userId: ben.id });
    await send(cy, left.id, 'left: after removal');
    await send(dan, joined.id, 'joined: before joining');
    await dan.client.groups.addMembers.mutate({ groupId: joined.id, userIds: [ben.id] });
    await send(dan, joined.id, 'joined: after joining');
    await insertForeignEvents(server, { count: 100_000 });
    for (let i = 151; i <= 260; i++) await send(ada, direct.id, `d${i}`);

    const expected = await entitledIds(server, ben.id, cursor);
    // Ben's direct chat messages, the removal from one group, the other group from the join
    // on: more than one replay page.
    expect(expected.length).toBeGreaterThan(260);
    await using back = await connectDevice(server, ben, cursor);
    await vi.waitFor(() => expect(back.durable.length).toBeGreaterThanOrEqual(expected.length), {
      timeout: 20_000,
    });
    expect(back.durable.map((e) => e.id)).toEqual(expected);

    const texts = back.durable.map(textOf).filter(Boolean);
    expect(texts.filter((t) => t!.startsWith('d'))).toEqual(
      Array.from({ length: 260 }, (_, i) => `d${i + 1}`),
    );
    // Removed during the gap: only the removal addressed to him, as for any removed member.
    expect(texts).not.toContain('left: before removal');
    expect(texts).not.toContain('left: after removal');
    expect(texts).toContain('joined: after joining');
    expect(texts).not.toContain('joined: before joining');
    expect(back.durable).toContainEqual(
      expect.objectContaining({ type: 'member.left', conversationId: left.id, userId: ben.id }),
    );
    expect(
      back.durable.some((e) => 'conversationId' in e && e.conversationId.startsWith('FOREIGN')),
    ).toBe(false);
  }, 120_000);
});
