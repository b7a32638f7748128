import { z } from 'zod';

// Output schemas double as the REST/OpenAPI contract, so they stay flat and union-free.

/**
 * Every string a client sends: no NUL characters. PostgreSQL's text cannot hold U+0000 and
 * SQLite's can, so they are refused on both (BAD_REQUEST naming the field), and the OpenAPI
 * document says so with its `pattern`.
 */
export function clientString() {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what it refuses.
  return z.string().regex(/^[^\u0000]*$/, 'must not contain NUL characters');
}

export const idSchema = clientString().min(1).max(64);

/**
 * A name or search text: trimmed, 1 to `max` characters, and not blank (the `\S` pattern
 * tells the document what `.trim().min(1)` alone would hide: "   " is refused).
 */
export function nonBlankString(max: number) {
  return clientString().trim().min(1).max(max).regex(/\S/, 'must not be blank');
}

/**
 * The largest seq both databases hold: seqs are `integer` columns, 32-bit on PostgreSQL. A
 * larger number in a request is refused (400) instead of failing in the database (500).
 */
export const MAX_SEQ = 2_147_483_647;

export const userSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    about: z.string(),
    avatarFileId: z.string().nullable(),
    /** An integration's bot (an API key acts as it); its messages are from a bot. */
    isBot: z.boolean(),
  })
  .meta({ id: 'User' });
export type UserDto = z.infer<typeof userSchema>;

export const privacySchema = z
  .object({
    /** Who sees your online state and last seen: people you share a chat with, or nobody. */
    lastSeen: z.enum(['everyone', 'nobody']),
    /** Off: others see your messages' receipts as delivered only, and you do not see theirs. */
    readReceipts: z.boolean(),
  })
  .meta({ id: 'Privacy' });
export type PrivacyDto = z.infer<typeof privacySchema>;

export const meSchema = userSchema
  .extend({
    email: z.string(),
    createdAt: z.string(),
    privacy: privacySchema,
  })
  .meta({ id: 'Me' });
export type MeDto = z.infer<typeof meSchema>;

const reactionSummarySchema = z
  .object({
    emoji: z.string(),
    count: z.number().int(),
    userIds: z.array(z.string()),
  })
  .meta({ id: 'ReactionSummary' });

export const roleSchema = z.enum(['admin', 'member']).meta({ id: 'Role' });

/** Disappearing messages: messages older than this are deleted for everyone ('off': kept). */
export const messageRetentionSchema = z
  .enum(['24h', '7d', '90d', 'off'])
  .meta({ id: 'MessageRetention' });
export type MessageRetention = z.infer<typeof messageRetentionSchema>;

const systemActionSchema = z
  .enum([
    'group_created',
    'members_added',
    'member_removed',
    'member_left',
    'role_changed',
    'group_renamed',
    'description_changed',
    'avatar_changed',
    'message_pinned',
    'retention_changed',
  ])
  .meta({ id: 'SystemAction' });
export type SystemAction = z.infer<typeof systemActionSchema>;

/**
 * What a system message (kind 'system') records, for clients to render in their language.
 * One flat shape for every action; fields an action does not use are null (or empty).
 */
const systemPayloadSchema = z
  .object({
    action: systemActionSchema,
    /** Who did it; null when the server did (an admin appointed because the last one left). */
    actorId: z.string().nullable(),
    /** Whom it concerns: added, removed, left, or whose role changed. */
    userIds: z.array(z.string()),
    /** group_created / group_renamed: the group's new name. */
    name: z.string().nullable(),
    /** role_changed: the new role. */
    role: roleSchema.nullable(),
    /** message_pinned: the message that was pinned. */
    messageId: z.string().nullable(),
    /** retention_changed: the new message retention. */
    retention: messageRetentionSchema.nullable(),
  })
  .meta({ id: 'SystemPayload' });
export type SystemPayload = z.infer<typeof systemPayloadSchema>;

/** An uploaded file as clients see it; bytes are at GET /api/v1/files/{id}. */
export const fileSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    name: z.string(),
    /** Detected from the bytes at upload. */
    contentType: z.string(),
    size: z.number().int(),
    /** Images only (after EXIF orientation); else null. */
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    /** Images only: a BlurHash to paint while the thumbnail loads. */
    placeholder: z.string().nullable(),
    /** Images only: sizes served at GET /api/v1/files/{id}/thumbnail/{size}; else empty. */
    thumbnailSizes: z.array(z.number().int()),
    createdAt: z.string(),
  })
  .meta({ id: 'File' });
export type FileDto = z.infer<typeof fileSchema>;

/** A file as shared in a conversation: one item per attachment. */
export const conversationFileSchema = fileSchema
  .extend({
    messageId: z.string(),
    messageSeq: z.number().int(),
    senderId: z.string(),
  })
  .meta({ id: 'ConversationFile' });
export type ConversationFileDto = z.infer<typeof conversationFileSchema>;

const messageStatusSchema = z.enum(['sent', 'delivered', 'read']).meta({ id: 'MessageStatus' });
export type MessageStatus = z.infer<typeof messageStatusSchema>;

/** `userId` mentioned at `text.slice(start, start + length)`; userId "everyone" is @everyone. */
export const mentionSchema = z
  .object({
    userId: z.string(),
    start: z.number().int(),
    length: z.number().int(),
  })
  .meta({ id: 'Mention' });
export type MentionDto = z.infer<typeof mentionSchema>;

/** The user id a mention of everyone in a group carries. */
export const EVERYONE = 'everyone';

/** What a thread root carries about its replies. */
export const threadSummarySchema = z
  .object({
    replyCount: z.number().int(),
    lastReplyAt: z.string().nullable(),
    /** Seq of the latest reply (for the unread thread replies). */
    lastReplySeq: z.number().int().nullable(),
    /** Who replied, in order of their first reply. */
    participantIds: z.array(z.string()),
  })
  .meta({ id: 'ThreadSummary' });
export type ThreadSummaryDto = z.infer<typeof threadSummarySchema>;
/** A preview of the first link in a message, attached by the server after it was stored. */
export const linkPreviewSchema = z
  .object({
    url: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    siteName: z.string().nullable(),
    /** The page image's thumbnail (WebP), a path on this server; null without one. */
    imageUrl: z.string().nullable(),
  })
  .meta({ id: 'LinkPreview' });
export type LinkPreviewDto = z.infer<typeof linkPreviewSchema>;

export const messageSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    seq: z.number().int(),
    senderId: z.string(),
    clientMessageId: z.string(),
    kind: z.enum(['text', 'system']),
    text: z.string(),
    replyToId: z.string().nullable(),
    reactions: z.array(reactionSummarySchema),
    /** Files attached when sending, in order; cleared when the message is deleted. */
    attachments: z.array(fileSchema),
    createdAt: z.string(),
    editedAt: z.string().nullable(),
    deletedAt: z.string().nullable(),
    /**
     * Who removed a deleted message: its sender, an admin of the group, or a server moderator
     * (clients show "removed by a moderator" instead of "deleted"). Null while not deleted.
     */
    deletedBy: z.enum(['sender', 'group_admin', 'moderator']).nullable(),
    /** For the caller's own messages: the overall status across the other members; else null. */
    status: messageStatusSchema.nullable(),
    /** Kind 'system' only: what happened (`text` holds an English fallback rendering). */
    system: systemPayloadSchema.nullable(),
    /** Users mentioned in `text` (ranges in UTF-16 code units, as JavaScript counts). */
    mentions: z.array(mentionSchema),
    /** Copied from another message with messages.forward (its sender is not revealed). */
    forwarded: z.boolean(),
    /** A thread reply: the root message of its thread; else null. */
    threadRootId: z.string().nullable(),
    /** False for a thread reply that was not also sent to the conversation. */
    inChannel: z.boolean(),
    /** A thread root: its replies so far; else null. */
    thread: threadSummarySchema.nullable(),
    /** Filled in after the send (`message.updated`) when the text links a page with a preview. */
    linkPreview: linkPreviewSchema.nullable(),
  })
  .meta({ id: 'Message' });
export type MessageDto = z.infer<typeof messageSchema>;

export const draftSchema = z
  .object({
    conversationId: z.string(),
    /** '' when the draft was cleared. */
    text: z.string(),
    /** When it was last saved; null if it never was. */
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'Draft' });
export type DraftDto = z.infer<typeof draftSchema>;

export const conversationSchema = z
  .object({
    id: z.string(),
    type: z.enum(['direct', 'group']),
    title: z.string().nullable(),
    description: z.string().nullable(),
    avatarFileId: z.string().nullable(),
    contextType: z.string().nullable(),
    contextId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastSeq: z.number().int(),
    /** The other member of a direct chat. */
    peer: userSchema.nullable(),
    myRole: roleSchema,
    lastReadSeq: z.number().int(),
    lastDeliveredSeq: z.number().int(),
    unreadCount: z.number().int(),
    /** Unread messages that mention the caller (or @everyone); cleared by reading. */
    unreadMentionCount: z.number().int(),
    lastMessage: messageSchema.nullable(),
    /** Notifications are muted until then ("9999-12-31T23:59:59.999Z": until unmuted); null: not muted. */
    mutedUntil: z.string().nullable(),
    /** How many members the conversation has (2 for a direct chat). */
    memberCount: z.number().int(),
    /** Archived by you; a new message brings it back to the list unless it is muted. */
    archived: z.boolean(),
    /** Pinned by you to the top of your list since then (at most 5); null: not pinned. */
    pinnedAt: z.string().nullable(),
    /** You marked it unread; reading it (markRead) clears the mark. */
    markedUnread: z.boolean(),
    /** Your unsent draft, synced across your devices; null when there is none. */
    draft: draftSchema.nullable(),
    /** Disappearing messages: older ones are deleted for everyone (hide them locally too). */
    messageRetention: messageRetentionSchema,
  })
  .meta({ id: 'Conversation' });
export type ConversationDto = z.infer<typeof conversationSchema>;

export const participantSchema = z
  .object({
    user: userSchema,
    role: roleSchema,
    joinedAt: z.string(),
    lastDeliveredSeq: z.number().int(),
    lastReadSeq: z.number().int(),
  })
  .meta({ id: 'Participant' });
export type ParticipantDto = z.infer<typeof participantSchema>;

export const authResultSchema = z
  .object({
    user: meSchema,
    accessToken: z.string(),
    accessTokenExpiresAt: z.number().int(),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.number().int(),
  })
  .meta({ id: 'AuthResult' });
export type AuthResult = z.infer<typeof authResultSchema>;

export const receiptSchema = z
  .object({
    conversationId: z.string(),
    userId: z.string(),
    lastDeliveredSeq: z.number().int(),
    lastReadSeq: z.number().int(),
  })
  .meta({ id: 'Receipt' });
export type ReceiptDto = z.infer<typeof receiptSchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const presenceSchema = z
  .object({
    userId: z.string(),
    online: z.boolean(),
    /** When the user was last online; null while online or if never seen. */
    lastSeenAt: z.string().nullable(),
  })
  .meta({ id: 'Presence' });

export const messageStatusReportSchema = z
  .object({
    messageId: z.string(),
    seq: z.number().int(),
    status: messageStatusSchema,
    recipients: z.array(
      z
        .object({
          userId: z.string(),
          status: messageStatusSchema,
          /** When the recipient's delivered watermark passed the message; null: not yet. */
          deliveredAt: z.string().nullable(),
          /** When the recipient's read watermark passed the message; null: not yet. */
          readAt: z.string().nullable(),
        })
        .meta({ id: 'MessageRecipientStatus' }),
    ),
    /** Recipients who have read it ("read by readCount of recipients.length"). */
    readCount: z.number().int(),
  })
  .meta({ id: 'MessageStatusReport' });
export type MessageStatusReport = z.infer<typeof messageStatusReportSchema>;

export const broadcastSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    recipientIds: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Broadcast' });
export type BroadcastDto = z.infer<typeof broadcastSchema>;

/** Where one recipient got a broadcast (their direct chat with the sender) and how far it got. */
const broadcastDeliverySchema = z
  .object({
    userId: z.string(),
    conversationId: z.string(),
    messageId: z.string(),
    seq: z.number().int(),
    status: messageStatusSchema,
  })
  .meta({ id: 'BroadcastDelivery' });

export const broadcastSendSchema = z
  .object({
    id: z.string(),
    broadcastId: z.string(),
    clientMessageId: z.string(),
    text: z.string(),
    createdAt: z.string(),
    recipients: z.array(broadcastDeliverySchema),
    /** Recipients whose status is delivered or read. */
    deliveredCount: z.number().int(),
    readCount: z.number().int(),
  })
  .meta({ id: 'BroadcastSend' });
export type BroadcastSendDto = z.infer<typeof broadcastSendSchema>;
