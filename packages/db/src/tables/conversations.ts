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
}
export type MemberRow = Selectable<MembersTable>;
export type NewMemberRow = Insertable<MembersTable>;
