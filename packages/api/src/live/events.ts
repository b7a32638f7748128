import type { MemberRole } from '@parley/db';
import type { ConversationDto, MessageDto, ReceiptDto } from '../shared/schemas.ts';

/**
 * Durable events: appended to the log with the change, replayed on resume.
 * Conversation payloads are the member-independent part; clients refetch the per-member view
 * (unread count, role) with `conversations.get` when they need it.
 */
export type ConversationSummary = Pick<
  ConversationDto,
  | 'id'
  | 'type'
  | 'title'
  | 'description'
  | 'avatarFileId'
  | 'contextType'
  | 'contextId'
  | 'createdAt'
  | 'updatedAt'
>;

export type DurableEvent =
  | { type: 'message.created'; conversationId: string; message: MessageDto }
  | { type: 'message.edited'; conversationId: string; message: MessageDto }
  | { type: 'message.deleted'; conversationId: string; message: MessageDto }
  | {
      type: 'reaction.added' | 'reaction.removed';
      conversationId: string;
      messageId: string;
      userId: string;
      emoji: string;
    }
  | ({ type: 'receipt' } & ReceiptDto)
  | {
      type: 'conversation.created' | 'conversation.updated';
      conversationId: string;
      conversation: ConversationSummary;
    }
  | {
      /** Users were added to a group; they receive this event and everything after it. */
      type: 'member.joined';
      conversationId: string;
      userIds: string[];
      actorId: string;
      conversation: ConversationSummary;
    }
  | {
      /**
       * A member left or was removed. Sent to the remaining members and, separately, to the
       * user who is gone (their last event of this conversation).
       */
      type: 'member.left';
      conversationId: string;
      userId: string;
      reason: 'left' | 'removed';
      actorId: string;
    }
  | {
      type: 'member.role_changed';
      conversationId: string;
      userId: string;
      role: MemberRole;
      /** null: the server appointed an admin because the last one left. */
      actorId: string | null;
    };

export type DurableEventType = DurableEvent['type'];

/** What a subscriber receives: the event plus its log id and commit time. */
export type StreamEvent = DurableEvent & { id: string; at: string };

/** Ephemeral events: not logged, not replayed, not tracked. */
export type EphemeralEvent =
  | { type: 'typing'; conversationId: string; userId: string; isTyping: boolean }
  | { type: 'presence'; userId: string; online: boolean; lastSeenAt: string | null };
