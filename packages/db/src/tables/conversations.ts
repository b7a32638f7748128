import type { Generated, Insertable, Selectable } from 'kysely';

export type ConversationType = 'direct' | 'group';
export type MemberRole = 'admin' | 'member';

export interface ConversationsTable {
  id: string;
  type: ConversationType;
  /** Direct chats only: sorted member ids plus the optional context; unique. */
  direct_key: string | null;
  context_type: string | null;
  context_id: string | null;
  title: string | null;
  description: string | null;
  avatar_file_id: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** Highest message seq handed out in this conversation. */
  last_seq: number;
  last_message_at: string | null;
  /** Messages older than this many seconds are deleted for everyone; null: kept. */
  message_retention_seconds: number | null;
  /**
   * Moves (SQLite triggers) whenever one of its messages stops or starts counting as unread;
   * members' stored counts from an older epoch are stale (`MembersTable.unread_cache`).
   */
  unread_epoch: Generated<number>;
}
export type ConversationRow = Selectable<ConversationsTable>;
export type NewConversationRow = Insertable<ConversationsTable>;

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  role: MemberRole;
  joined_at: string;
  /** Messages with seq above this are visible to the member (history from joining). */
  joined_seq: number;
  /**
   * The last event-log id when the member joined ('' = from the beginning): they replay and
   * receive the conversation's events after it only.
   */
  joined_after_event_id: Generated<string>;
  last_delivered_seq: number;
  last_read_seq: number;
  /** Notifications are off until then (far future: until unmuted); null when not muted. */
  muted_until: string | null;
  /** Archived as of this seq; the chat is back in the list once a later message arrives (unless muted). */
  archived_seq: number | null;
  /** Pinned to the top of the member's list since then; null when not pinned. */
  pinned_at: string | null;
  /** 1: the member marked the conversation unread (cleared by reading). */
  marked_unread: Generated<number>;
  /** The member's unsent draft ('' = none), synced across their devices. */
  draft_text: Generated<string>;
  draft_updated_at: string | null;
  /**
   * The member's unread count as last counted (SQLite's receipt writer stores it): the count of
   * messages up to `unread_cache_seq`, valid while `last_read_seq = unread_cache_read_seq` and
   * the conversation's `unread_epoch = unread_cache_epoch`; a count then reads only the
   * messages after `unread_cache_seq` (`unreadCountOf` in the api).
   */
  unread_cache: Generated<number>;
  unread_cache_seq: Generated<number>;
  unread_cache_read_seq: Generated<number>;
  unread_cache_epoch: Generated<number>;
}
export type MemberRow = Selectable<MembersTable>;
export type NewMemberRow = Insertable<MembersTable>;

/** When a member's delivered or read watermark moved to `seq` (compacted: see receipts). */
export interface ReceiptHistoryTable {
  conversation_id: string;
  user_id: string;
  kind: 'delivered' | 'read';
  seq: number;
  at: string;
}
export type ReceiptHistoryRow = Selectable<ReceiptHistoryTable>;
