import type { Message, Reaction } from '../contract.gen.ts';
import type { OutgoingMessage } from '../outgoing.ts';

/** A message in a timeline: the server's, or an optimistic send not stored yet. */
export interface TimelineMessage extends Message {
  /** `pending`/`failed`: sent from this device, not on the server yet (`seq` is 0). */
  local: 'pending' | 'failed' | null;
}

export interface Timeline {
  /** Oldest first; optimistic sends at the end. */
  readonly messages: readonly TimelineMessage[];
  /** More history exists before the first message. */
  readonly hasOlder: boolean;
  /** The newest page has been loaded. */
  readonly loaded: boolean;
}

/** Member watermarks: what the status of your messages is derived from, as on the server. */
export type Watermarks = ReadonlyMap<string, { delivered: number; read: number }>;

export const emptyTimeline: Timeline = { messages: [], hasOlder: false, loaded: false };

export const stored = (message: Message): TimelineMessage => ({ ...message, local: null });

/** An optimistic send, shown at the end until the server has it. */
export function optimistic(item: OutgoingMessage, senderId: string): TimelineMessage {
  return {
    id: `local:${item.clientMessageId}`,
    conversationId: item.conversationId,
    seq: 0,
    senderId,
    clientMessageId: item.clientMessageId,
    kind: 'text',
    text: item.text,
    replyToId: item.replyToId,
    reactions: [],
    attachments: [],
    createdAt: item.createdAt,
    editedAt: null,
    deletedAt: null,
    deletedBy: null,
    status: null,
    system: null,
    mentions: item.mentions,
    forwarded: false,
    threadRootId: item.threadRootId,
    inChannel: true,
    thread: null,
    linkPreview: null,
    local: item.status === 'failed' ? 'failed' : 'pending',
  };
}

/** Overall status of message `seq` for its sender: the least advanced other member decides. */
export function statusFor(seq: number, sender: string, marks: Watermarks): Message['status'] {
  let least: 0 | 1 | 2 = 2;
  for (const [userId, m] of marks) {
    if (userId === sender) continue;
    least = Math.min(least, m.read >= seq ? 2 : m.delivered >= seq ? 1 : 0) as 0 | 1 | 2;
  }
  return (['sent', 'delivered', 'read'] as const)[least];
}

/**
 * Merges stored messages into a timeline by id (newer versions win), drops the optimistic
 * copies they confirm (same clientMessageId), keeps seq order.
 */
export function merge(timeline: Timeline, incoming: readonly Message[]): Timeline {
  if (!incoming.length) return timeline;
  const byId = new Map(timeline.messages.filter((m) => !m.local).map((m) => [m.id, m]));
  const confirmed = new Set<string>();
  for (const message of incoming) {
    byId.set(message.id, stored(message));
    confirmed.add(`${message.senderId}:${message.clientMessageId}`);
  }
  const local = timeline.messages.filter(
    (m) => m.local && !confirmed.has(`${m.senderId}:${m.clientMessageId}`),
  );
  const messages = [...byId.values()].sort((a, b) => a.seq - b.seq);
  return { ...timeline, messages: [...messages, ...local] };
}

/** Applies `change` to the message with `id`, if the timeline has it. */
export function update(
  timeline: Timeline,
  id: string,
  change: (message: TimelineMessage) => TimelineMessage,
): Timeline {
  const index = timeline.messages.findIndex((m) => m.id === id);
  if (index < 0) return timeline;
  const messages = [...timeline.messages];
  messages[index] = change(messages[index]!);
  return { ...timeline, messages };
}

/** A reaction added or removed, as the server counts them. */
export function react<M extends Message>(
  message: M,
  emoji: string,
  userId: string,
  added: boolean,
): M {
  const reactions: Reaction[] = [];
  let found = false;
  for (const r of message.reactions) {
    if (r.emoji !== emoji) {
      reactions.push(r);
      continue;
    }
    found = true;
    const others = r.userIds.filter((u) => u !== userId);
    const userIds = added ? [...others, userId] : others;
    if (userIds.length) reactions.push({ emoji, count: userIds.length, userIds });
  }
  if (!found && added) reactions.push({ emoji, count: 1, userIds: [userId] });
  return { ...message, reactions };
}

/** Keeps the newest `keep` stored messages (and every optimistic one). */
export function trim(timeline: Timeline, keep: number): Timeline {
  const storedMessages = timeline.messages.filter((m) => !m.local);
  if (storedMessages.length <= keep) return timeline;
  const local = timeline.messages.filter((m) => m.local);
  return { ...timeline, messages: [...storedMessages.slice(-keep), ...local], hasOlder: true };
}
