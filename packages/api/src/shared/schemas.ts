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
  })
  .meta({ id: 'User' });
export type UserDto = z.infer<typeof userSchema>;

export const meSchema = userSchema
  .extend({
    email: z.string(),
    createdAt: z.string(),
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
    /** For the caller's own messages: the overall status across the other members; else null. */
    status: messageStatusSchema.nullable(),
    /** Kind 'system' only: what happened (`text` holds an English fallback rendering). */
    system: systemPayloadSchema.nullable(),
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
