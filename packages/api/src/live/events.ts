import { z } from 'zod';
import {
  conversationSchema,
  draftSchema,
  messageSchema,
  privacySchema,
  receiptSchema,
  roleSchema,
  threadSummarySchema,
  userSchema,
} from '../shared/schemas.ts';

// Every event of the stream, defined once as data: the TypeScript types at the bottom are
// inferred from these schemas, and /asyncapi.json describes them for non-TypeScript clients.

const conversationId = z.string();
/**
 * Conversation payloads are the member-independent part; clients refetch the per-member view
 * (unread count, role) with `conversations.get` when they need it.
 */
const conversationSummary = conversationSchema
  .pick({
    id: true,
    type: true,
    title: true,
    description: true,
    avatarFileId: true,
    contextType: true,
    contextId: true,
    createdAt: true,
    updatedAt: true,
    messageRetention: true,
  })
  .meta({ id: 'ConversationSummary' });
const messageEvent = <T extends string>(type: T, id: string) =>
  z.object({ type: z.literal(type), conversationId, message: messageSchema }).meta({ id });

/** Durable events: appended to the log with the change, replayed on resume. */
export const durableEventSchemas = {
  'message.created': messageEvent('message.created', 'MessageCreatedEvent'),
  'message.edited': messageEvent('message.edited', 'MessageEditedEvent'),
  'message.deleted': messageEvent('message.deleted', 'MessageDeletedEvent'),
  /** The server changed a message (a link preview was attached). */
  'message.updated': messageEvent('message.updated', 'MessageUpdatedEvent'),
  reaction: z
    .object({
      type: z.enum(['reaction.added', 'reaction.removed']),
      conversationId,
      messageId: z.string(),
      userId: z.string(),
      emoji: z.string(),
    })
    .meta({ id: 'ReactionEvent' }),
  receipt: z
    .object({ type: z.literal('receipt'), ...receiptSchema.shape })
    .meta({ id: 'ReceiptEvent' }),
  conversation: z
    .object({
      type: z.enum(['conversation.created', 'conversation.updated']),
      conversationId,
      conversation: conversationSummary,
    })
    .meta({ id: 'ConversationEvent' }),
  'member.joined': z
    .object({
      /** Users were added to a group; they receive this event and everything after it. */
      type: z.literal('member.joined'),
      conversationId,
      userIds: z.array(z.string()),
      actorId: z.string(),
      conversation: conversationSummary,
    })
    .meta({ id: 'MemberJoinedEvent' }),
  'member.left': z
    .object({
      /** A member left or was removed. Sent to the remaining members and, separately, to the
user who is gone (their last event of this conversation). */
      type: z.literal('member.left'),
      conversationId,
      userId: z.string(),
      reason: z.enum(['left', 'removed']),
      actorId: z.string(),
    })
    .meta({ id: 'MemberLeftEvent' }),
  'member.role_changed': z
    .object({
      type: z.literal('member.role_changed'),
      conversationId,
      userId: z.string(),
      role: roleSchema,
      /** null: the server appointed an admin because the last one left. */
      actorId: z.string().nullable(),
    })
    .meta({ id: 'MemberRoleChangedEvent' }),
  'block.changed': z
    .object({
      /**
       * You blocked or unblocked `userId` (from any of your devices). Only the blocker's own
       * devices receive it; the blocked user is never told.
       */
      type: z.literal('block.changed'),
      userId: z.string(),
      blocked: z.boolean(),
    })
    .meta({ id: 'BlockChangedEvent' }),
  'privacy.updated': z
    .object({
      /** Your privacy settings changed (from any of your devices); only you receive it. */
      type: z.literal('privacy.updated'),
      privacy: privacySchema,
    })
    .meta({ id: 'PrivacyUpdatedEvent' }),
  'conversation.state_changed': z
    .object({
      /** Your own organizing state of a conversation changed (on any of your devices): only
you receive it. */
      type: z.literal('conversation.state_changed'),
      conversationId,
      archived: z.boolean(),
      pinnedAt: z.string().nullable(),
      markedUnread: z.boolean(),
      mutedUntil: z.string().nullable(),
    })
    .meta({ id: 'ConversationStateChangedEvent' }),
  'conversation.deleted': z
    .object({
      /** An admin deleted the group: its history is gone; sent to each member, the last event
of that conversation. */
      type: z.literal('conversation.deleted'),
      conversationId,
      actorId: z.string(),
    })
    .meta({ id: 'ConversationDeletedEvent' }),
  'draft.updated': z
    .object({
      /** Your draft of a conversation was saved (or cleared) on one of your devices. */
      type: z.literal('draft.updated'),
      conversationId,
      draft: draftSchema,
    })
    .meta({ id: 'DraftUpdatedEvent' }),
  'user.updated': z
    .object({
      /** A profile changed: sent to the user's devices and to their contacts. */
      type: z.literal('user.updated'),
      userId: z.string(),
      user: userSchema,
    })
    .meta({ id: 'UserUpdatedEvent' }),
  pin: z
    .object({
      type: z.enum(['message.pinned', 'message.unpinned']),
      conversationId,
      messageId: z.string(),
      /** Who pinned or unpinned it. */
      userId: z.string(),
      at: z.string(),
    })
    .meta({ id: 'PinEvent' }),
  'thread.updated': z
    .object({
      /** A reply was added to a thread: the root's new summary. */
      type: z.literal('thread.updated'),
      conversationId,
      rootId: z.string(),
      thread: threadSummarySchema,
    })
    .meta({ id: 'ThreadUpdatedEvent' }),
  'thread.read': z
    .object({
      /** The user read a thread up to `lastReadSeq` (sent to that user's devices only). */
      type: z.literal('thread.read'),
      conversationId,
      rootId: z.string(),
      userId: z.string(),
      lastReadSeq: z.number().int(),
    })
    .meta({ id: 'ThreadReadEvent' }),
  'account.banned': z
    .object({
      /**
       * Addressed to the banned user only, and never delivered: their live streams end with a
       * FORBIDDEN error instead (every instance learns of the ban from it).
       */
      type: z.literal('account.banned'),
      userId: z.string(),
      until: z.string().nullable(),
    })
    .meta({ id: 'AccountBannedEvent' }),
  'account.unbanned': z
    .object({
      /** Addressed to the user only and never delivered: instances forget the ban. */
      type: z.literal('account.unbanned'),
      userId: z.string(),
    })
    .meta({ id: 'AccountUnbannedEvent' }),
};

/** Ephemeral events: not logged, not replayed, not tracked. */
export const ephemeralEventSchemas = {
  typing: z
    .object({
      type: z.literal('typing'),
      conversationId,
      userId: z.string(),
      isTyping: z.boolean(),
    })
    .meta({ id: 'TypingEvent' }),
  presence: z
    .object({
      type: z.literal('presence'),
      userId: z.string(),
      online: z.boolean(),
      lastSeenAt: z.string().nullable(),
    })
    .meta({ id: 'PresenceEvent' }),
};

type EventOf<T extends Record<string, z.ZodType>> = z.infer<T[keyof T]>;

export type ConversationSummary = z.infer<typeof conversationSummary>;
export type DurableEvent = EventOf<typeof durableEventSchemas>;
export type DurableEventType = DurableEvent['type'];
/** What a subscriber receives: the event plus its log id and commit time. */
export type StreamEvent = DurableEvent & { id: string; at: string };
export type EphemeralEvent = EventOf<typeof ephemeralEventSchemas>;
