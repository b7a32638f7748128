import type { ConversationRow, MessageRow, ReactionRow, UserRow } from '@parley/db';
import type { ConversationSummary } from '../live/events.ts';
import type {
  FileDto,
  LinkPreviewDto,
  MeDto,
  MentionDto,
  MessageDto,
  MessageRetention,
  MessageStatus,
  SystemPayload,
  UserDto,
} from './schemas.ts';

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    displayName: row.display_name,
    about: row.about,
    avatarFileId: row.avatar_file_id,
    isBot: row.kind === 'bot',
  };
}

export function toMeDto(row: UserRow): MeDto {
  return {
    ...toUserDto(row),
    email: row.email,
    createdAt: row.created_at,
    privacy: { lastSeen: row.last_seen_visibility, readReceipts: Number(row.read_receipts) === 1 },
  };
}

function summarizeReactions(rows: ReactionRow[]): MessageDto['reactions'] {
  const byEmoji = new Map<string, string[]>();
  for (const r of rows) {
    const users = byEmoji.get(r.emoji) ?? [];
    users.push(r.user_id);
    byEmoji.set(r.emoji, users);
  }
  return [...byEmoji].map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds }));
}

export function toMessageDto(
  row: MessageRow,
  reactions: ReactionRow[] = [],
  status: MessageStatus | null = null,
  attachments: FileDto[] = [],
): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    senderId: row.sender_id,
    clientMessageId: row.client_message_id,
    kind: row.kind,
    text: row.text,
    replyToId: row.reply_to_id,
    reactions: summarizeReactions(reactions),
    // A forward does not reveal who sent the original, so not who uploaded its files either.
    attachments:
      row.forwarded === 1
        ? attachments.map((f) => ({ ...f, ownerId: row.sender_id }))
        : attachments,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    deletedBy: row.deleted_at ? (row.deleted_by ?? 'sender') : null,
    status,
    system: row.system ? systemOf(row.system) : null,
    mentions: row.mentions ? (JSON.parse(row.mentions) as MentionDto[]) : [],
    forwarded: row.forwarded === 1,
    threadRootId: row.thread_root_id,
    inChannel: row.in_channel !== 0,
    thread:
      row.thread_reply_count > 0
        ? {
            replyCount: row.thread_reply_count,
            lastReplyAt: row.thread_last_reply_at,
            lastReplySeq: row.thread_last_reply_seq,
            participantIds: row.thread_participants
              ? (JSON.parse(row.thread_participants) as string[])
              : [],
          }
        : null,
    // A deleted message shows no preview.
    linkPreview:
      row.link_preview && !row.deleted_at ? (JSON.parse(row.link_preview) as LinkPreviewDto) : null,
  };
}

/** Watermarks of the other members decide a message's overall status for its sender. */
type Watermarks = { last_delivered_seq: number; last_read_seq: number };

/** One recipient's view of message `seq`. */
export function recipientStatus(seq: number, member: Watermarks): MessageStatus {
  if (member.last_read_seq >= seq) return 'read';
  if (member.last_delivered_seq >= seq) return 'delivered';
  return 'sent';
}

/** Overall: the least advanced recipient decides (read only when everyone has read it). */
export function statusFor(seq: number, others: Watermarks[]): MessageStatus {
  const order: MessageStatus[] = ['sent', 'delivered', 'read'];
  let least = 2;
  for (const m of others) least = Math.min(least, order.indexOf(recipientStatus(seq, m)));
  return order[least]!;
}

/** The member-independent part of a conversation, as conversation and member events carry it. */
export function conversationSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    description: row.description,
    avatarFileId: row.avatar_file_id,
    contextType: row.context_type,
    contextId: row.context_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    messageRetention: retentionOf(row.message_retention_seconds),
  };
}

/** A system payload's fields an action leaves empty (one definition for writers and readers). */
export function emptySystemFields(): Omit<SystemPayload, 'action' | 'actorId'> {
  return { userIds: [], name: null, role: null, messageId: null, retention: null };
}

/** Payloads stored before a field existed read with it empty. */
function systemOf(json: string): SystemPayload {
  const stored = JSON.parse(json) as Partial<SystemPayload> & Pick<SystemPayload, 'action'>;
  return { actorId: null, ...emptySystemFields(), ...stored };
}

/** Seconds of each message retention period ('off': none). */
export const RETENTION_SECONDS: Record<Exclude<MessageRetention, 'off'>, number> = {
  '24h': 24 * 3600,
  '7d': 7 * 24 * 3600,
  '90d': 90 * 24 * 3600,
};

export function retentionOf(seconds: number | null): MessageRetention {
  const found = Object.entries(RETENTION_SECONDS).find(([, s]) => s === seconds);
  return (found?.[0] as MessageRetention | undefined) ?? 'off';
}
