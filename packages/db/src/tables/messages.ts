import type { Generated, Insertable, Selectable } from 'kysely';

export type MessageKind = 'text' | 'system';
export type MessageDeletedBy = 'sender' | 'group_admin' | 'moderator';

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_message_id: string;
  kind: MessageKind;
  /** Cleared (empty) on soft delete. */
  text: string;
  reply_to_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** Who removed a tombstone: 'sender' | 'group_admin' | 'moderator' (null before this was kept). */
  deleted_by: MessageDeletedBy | null;
  /** Kind 'system' only: JSON of the structured payload (what happened, who, to whom). */
  system: string | null;
  /** JSON array of `{ userId, start, length }` ranges; null when the message mentions nobody. */
  mentions: string | null;
  /** 1: copied from another message by `messages.forward` (the original sender not kept). */
  forwarded: number;
  /** A thread reply: the thread's root message. */
  thread_root_id: string | null;
  /** 0: a thread reply not also sent to the conversation (absent from its history). */
  in_channel: number;
  /** Thread roots: replies so far, the last one's time and seq, and who replied (JSON ids). */
  thread_reply_count: number;
  thread_last_reply_at: string | null;
  thread_last_reply_seq: number | null;
  thread_participants: string | null;
  /** JSON of the link preview attached after the send; null until then (or without one). */
  link_preview: string | null;
}

export interface LinkPreviewsTable {
  url: string;
  /** JSON of the preview; null when the page gave nothing to show. */
  preview: string | null;
  fetched_at: string;
}

export interface LinkPreviewJobsTable {
  message_id: string;
  url: string;
  attempts: Generated<number>;
  /** Claimable once this time has passed (a claim sets it ahead: a lease). */
  lease_until: string;
}
/** Rows the send paths build in memory leave `deleted_by` out (a new message is not deleted). */
export type MessageRow = Omit<Selectable<MessagesTable>, 'deleted_by'> & {
  deleted_by?: MessageDeletedBy | null;
};
export type NewMessageRow = Omit<Insertable<MessagesTable>, 'deleted_by'> & {
  deleted_by?: MessageDeletedBy | null;
};

export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: string;
}
export type ReactionRow = Selectable<ReactionsTable>;

export interface MessageMentionsTable {
  message_id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  /** The mentioned user, or '*' for @everyone. */
  user_id: string;
}

export interface PinsTable {
  message_id: string;
  conversation_id: string;
  pinned_by: string;
  pinned_at: string;
}
export type PinRow = Selectable<PinsTable>;

export interface ThreadReadsTable {
  user_id: string;
  root_id: string;
  last_read_seq: number;
}
