import type { Conversation, Message, MessageUpdate, Participant } from '@parley/sdk';

/** One conversation's loaded history, oldest first. */
export interface Thread {
  messages: Message[];
  /** Older messages exist on the server. */
  hasMore: boolean;
  loadingOlder: boolean;
}

/** Inserts or replaces `message`, keeping the list ordered by `seq`. */
export function upsertMessage(messages: Message[], message: Message): Message[] {
  const index = messages.findIndex((m) => m.id === message.id);
  if (index >= 0) return messages.map((m, i) => (i === index ? message : m));
  const next = [...messages, message];
  next.sort((a, b) => a.seq - b.seq);
  return next;
}

/** Older messages put in front, without duplicates. */
export function prependMessages(messages: Message[], older: Message[]): Message[] {
  const known = new Set(messages.map((m) => m.id));
  return [...older.filter((m) => !known.has(m.id)), ...messages];
}

/** A message with an edit, delete or reaction change applied. */
export function applyUpdate(message: Message, update: MessageUpdate): Message {
  if (
    update.type === 'message.edited' ||
    update.type === 'message.updated' ||
    update.type === 'message.deleted'
  ) {
    return update.message;
  }
  if (message.id !== update.messageId) return message;
  const adding = update.type === 'reaction.added';
  const others = message.reactions.filter((r) => r.emoji !== update.emoji);
  const current = message.reactions.find((r) => r.emoji === update.emoji);
  const userIds = (current?.userIds ?? []).filter((id) => id !== update.userId);
  if (adding) userIds.push(update.userId);
  const reactions = userIds.length
    ? [...others, { emoji: update.emoji, count: userIds.length, userIds }]
    : others;
  return { ...message, reactions };
}

export function updateId(update: MessageUpdate): string {
  return 'messageId' in update ? update.messageId : update.message.id;
}

/** Pinned first (most recently pinned on top), then newest activity first. */
export function sortConversations(list: Conversation[]): Conversation[] {
  const at = (c: Conversation) => c.lastMessage?.createdAt ?? c.updatedAt;
  return [...list].sort(
    (a, b) => (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '') || at(b).localeCompare(at(a)),
  );
}

/** What my own message shows: read / delivered once every other member got that far. */
export function tickFor(
  message: Message,
  participants: Participant[] | undefined,
  me: string,
): 'sent' | 'delivered' | 'read' {
  const others = participants?.filter((p) => p.user.id !== me);
  if (!others || others.length === 0) return message.status ?? 'sent';
  if (others.every((p) => p.lastReadSeq >= message.seq)) return 'read';
  if (others.every((p) => p.lastDeliveredSeq >= message.seq)) return 'delivered';
  return 'sent';
}

/** A member's watermarks moved (they never move backwards). */
export function moveWatermarks(
  participants: Participant[],
  userId: string,
  delivered: number,
  read: number,
): Participant[] {
  return participants.map((p) =>
    p.user.id === userId
      ? {
          ...p,
          lastDeliveredSeq: Math.max(p.lastDeliveredSeq, delivered, read),
          lastReadSeq: Math.max(p.lastReadSeq, read),
        }
      : p,
  );
}
