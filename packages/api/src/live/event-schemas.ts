import { z } from 'zod';
import { conversationSchema, messageSchema, receiptSchema, roleSchema } from '../shared/schemas.ts';
import type { DurableEvent, EphemeralEvent } from './events.ts';

// The event stream described as data (for /asyncapi.json and non-TypeScript clients). The
// type checks at the bottom fail to compile if these drift from the types the code emits.

const conversationId = z.string();
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
  })
  .meta({ id: 'ConversationSummary' });
const messageEvent = <T extends string>(type: T, id: string) =>
  z.object({ type: z.literal(type), conversationId, message: messageSchema }).meta({ id });

export const durableEventSchemas = {
  'message.created': messageEvent('message.created', 'MessageCreatedEvent'),
  'message.edited': messageEvent('message.edited', 'MessageEditedEvent'),
  'message.deleted': messageEvent('message.deleted', 'MessageDeletedEvent'),
  reaction: z
    .object({
      type: z.enum(['reaction.added', 'reaction.removed']),
      conversationId,
      messageId: z.string(),
      userId: z.string(),
      emoji: z.string(),
    })
    .meta({ id: 'ReactionEvent' }),
  receipt: receiptSchema.extend({ type: z.literal('receipt') }).meta({ id: 'ReceiptEvent' }),
  conversation: z
    .object({
      type: z.enum(['conversation.created', 'conversation.updated']),
      conversationId,
      conversation: conversationSummary,
    })
    .meta({ id: 'ConversationEvent' }),
  'member.joined': z
    .object({
      type: z.literal('member.joined'),
      conversationId,
      userIds: z.array(z.string()),
      actorId: z.string(),
      conversation: conversationSummary,
    })
    .meta({ id: 'MemberJoinedEvent' }),
  'member.left': z
    .object({
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
      actorId: z.string().nullable(),
    })
    .meta({ id: 'MemberRoleChangedEvent' }),
};

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

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Schemas<T extends Record<string, z.ZodType>> = z.infer<T[keyof T]>;
const durableMatches: Same<Schemas<typeof durableEventSchemas>, DurableEvent> = true;
const ephemeralMatches: Same<Schemas<typeof ephemeralEventSchemas>, EphemeralEvent> = true;
void durableMatches;
void ephemeralMatches;
