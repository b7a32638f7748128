import type { Message, Participant } from '@parley/sdk';
import { describe, expect, it } from 'vitest';
import { applyUpdate, moveWatermarks, prependMessages, tickFor, upsertMessage } from './threads.ts';

const message = (seq: number, extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  conversationId: 'c1',
  seq,
  senderId: 'ada',
  clientMessageId: `c${seq}`,
  kind: 'text',
  text: `text ${seq}`,
  replyToId: null,
  reactions: [],
  attachments: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  deletedBy: null,
  status: 'sent',
  system: null,
  mentions: [],
  forwarded: false,
  threadRootId: null,
  inChannel: true,
  thread: null,
  linkPreview: null,
  ...extra,
});

const member = (id: string, delivered: number, read: number): Participant => ({
  user: { id, displayName: id, about: '', avatarFileId: null, isBot: false },
  role: 'member',
  joinedAt: '2026-01-01T00:00:00.000Z',
  lastDeliveredSeq: delivered,
  lastReadSeq: read,
});

describe('threads', () => {
  it('keeps messages ordered by seq and replaces by id', () => {
    const list = upsertMessage(upsertMessage([message(1)], message(3)), message(2));
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
    const edited = upsertMessage(list, message(2, { text: 'edited' }));
    expect(edited.map((m) => m.text)).toEqual(['text 1', 'edited', 'text 3']);
    expect(prependMessages(edited, [message(0), message(1)]).map((m) => m.seq)).toEqual([
      0, 1, 2, 3,
    ]);
  });

  it('applies reactions added and removed, per user', () => {
    const base = message(1);
    const event = { conversationId: 'c1', messageId: 'm1', emoji: '👍', id: 'e', at: '' };
    const added = applyUpdate(base, { ...event, type: 'reaction.added', userId: 'ben' });
    const twice = applyUpdate(added, { ...event, type: 'reaction.added', userId: 'cy' });
    expect(twice.reactions).toEqual([{ emoji: '👍', count: 2, userIds: ['ben', 'cy'] }]);
    const removed = applyUpdate(twice, { ...event, type: 'reaction.removed', userId: 'ben' });
    expect(removed.reactions).toEqual([{ emoji: '👍', count: 1, userIds: ['cy'] }]);
    expect(
      applyUpdate(removed, { ...event, type: 'reaction.removed', userId: 'cy' }).reactions,
    ).toEqual([]);
  });

  it('ticks: read or delivered only once every other member got that far', () => {
    const mine = message(5);
    const members = [member('ada', 0, 0), member('ben', 5, 5), member('cy', 5, 4)];
    expect(tickFor(mine, members, 'ada')).toBe('delivered');
    expect(tickFor(mine, moveWatermarks(members, 'cy', 0, 5), 'ada')).toBe('read');
    expect(tickFor(mine, moveWatermarks(members, 'cy', 3, 3), 'ada')).toBe('delivered');
    expect(tickFor(mine, [member('ben', 4, 4)], 'ada')).toBe('sent');
    expect(tickFor(message(5, { status: 'delivered' }), undefined, 'ada')).toBe('delivered');
  });
});
