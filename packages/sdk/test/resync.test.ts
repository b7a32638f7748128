import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import {
  type ConversationSummary,
  type Message,
  memoryStorage,
  type ParleyClient,
} from '../src/index.ts';
import { connected, signedUpClient, testClient } from './helpers/sdk.ts';

const DAY = 24 * 3600_000;

/** What an app keeps: conversations and their messages, from events and resync snapshots. */
class AppState {
  /** What a list shows of each conversation (events carry the summary). */
  conversations = new Map<string, ConversationSummary>();
  messages = new Map<string, Map<string, Message>>();

  attach(parley: ParleyClient): void {
    parley.on('resync', (snapshot) => {
      this.conversations = new Map(snapshot.conversations.map((c) => [c.id, c]));
      this.messages = new Map(
        Object.entries(snapshot.messages).map(([id, list]) => [
          id,
          new Map(list.map((m) => [m.id, m])),
        ]),
      );
    });
    parley.on('conversation', (event) => {
      this.conversations.set(event.conversationId, event.conversation);
    });
    parley.on('member', (event) => {
      if (event.type === 'member.joined') {
        this.conversations.set(event.conversationId, event.conversation);
      }
    });
    parley.on('message', (message) => this.put(message));
    parley.on('messageUpdated', (event) => {
      if (event.type === 'message.edited' || event.type === 'message.deleted') {
        this.put(event.message);
      }
    });
  }

  private put(message: Message): void {
    const list = this.messages.get(message.conversationId) ?? new Map();
    list.set(message.id, message);
    this.messages.set(message.conversationId, list);
  }

  /** The newest `limit` messages of a conversation, as the app shows them. */
  recent(conversationId: string, limit: number) {
    return [...(this.messages.get(conversationId)?.values() ?? [])]
      .sort((a, b) => a.seq - b.seq)
      .slice(-limit)
      .map(shown);
  }
}

const shown = (m: Message) => ({
  id: m.id,
  seq: m.seq,
  senderId: m.senderId,
  kind: m.kind,
  text: m.text,
  editedAt: m.editedAt,
  deletedAt: m.deletedAt,
});

describeEachDialect('resync after the event log was pruned', (dialect) => {
  it('a device away longer than the retention reloads, emits resync and ends identical to the server', async () => {
    await using server = await startTestServer({
      dialect,
      env: { EVENT_RETENTION_DAYS: '1', EDIT_WINDOW_SECONDS: String(30 * 24 * 3600) },
    });
    await using ada = await signedUpClient(server.url, 'Ada');
    await using cy = await signedUpClient(server.url, 'Cy');
    const storage = memoryStorage();
    const app = new AppState();
    const first = await signedUpClient(server.url, 'Ben', { storage });
    app.attach(first.parley);
    const benId = first.parley.session!.user.id;
    const chat = await ada.parley.conversations.openDirect({ userId: benId });
    const before = await ada.parley.messages.send({ conversationId: chat.id, text: 'before' }).sent;
    await vi.waitFor(() => expect(app.recent(chat.id, 50).map((m) => m.text)).toEqual(['before']));
    await first.parley.close(); // Ben's device sleeps; its cursor stays in storage

    // While Ben is away: new messages, an edit, a delete, a new group with him in it.
    const away = await ada.parley.messages.send({ conversationId: chat.id, text: 'away' }).sent;
    await ada.parley.messages.edit({ messageId: before.id, text: 'before (edited)' });
    const policy = await ada.parley.conversations.setRetention({
      conversationId: chat.id,
      retention: '90d',
    });
    expect(policy.messageRetention).toBe('90d');
    const team = await cy.parley.groups.create({ name: 'Team', userIds: [benId] });
    await cy.parley.messages.send({ conversationId: team.id, text: 'team hello' }).sent;
    // ... for longer than the log is kept.
    server.clock.advance(2 * DAY);
    await ada.parley.messages.send({ conversationId: chat.id, text: 'after the gap' }).sent;
    await ada.parley.messages.delete({ messageId: away.id });
    expect(await server.server.pruneEventLog()).toBeGreaterThan(0);

    // Ben's device wakes up with its old cursor: the server answers RESYNC_REQUIRED.
    await using second = testClient(server.url, { storage });
    app.attach(second.parley);
    await vi.waitFor(() => expect(second.events.resync).toHaveLength(1), { timeout: 10_000 });
    await connected(second);
    // And carries on live.
    await ada.parley.messages.send({ conversationId: chat.id, text: 'live' }).sent;
    await cy.parley.messages.send({ conversationId: team.id, text: 'team live' }).sent;
    await vi.waitFor(() => {
      expect(app.recent(chat.id, 50).at(-1)?.text).toBe('live');
      expect(app.recent(team.id, 50).at(-1)?.text).toBe('team live');
    });

    // The app's state is the server's truth.
    const truth = await second.parley.conversations.list();
    expect([...app.conversations.keys()].sort()).toEqual(truth.items.map((c) => c.id).sort());
    for (const conversation of truth.items) {
      const history = await second.parley.messages.list({ conversationId: conversation.id });
      expect(app.recent(conversation.id, 50)).toEqual(history.messages.map(shown));
    }
    expect(app.recent(chat.id, 50).map((m) => [m.text, m.deletedAt !== null])).toEqual([
      ['before (edited)', false],
      ['', true],
      ['Ada set messages to disappear after 90 days', false],
      ['after the gap', false],
      ['live', false],
    ]);
    expect(second.events.connection.at(-1)?.status).toBe('connected');
  });
});
