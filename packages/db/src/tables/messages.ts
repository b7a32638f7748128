import type { Generated, Insertable, Selectable } from 'kysely';

export type MessageKind = 'text' | 'system';

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
  /** Kind 'system' only: JSON of the structured payload (what happened, who, to whom). */
  system: string | null;
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
export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;

export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: string;
}
export type ReactionRow = Selectable<ReactionsTable>;
