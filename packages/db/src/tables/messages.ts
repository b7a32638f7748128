import type { Insertable, Selectable } from 'kysely';

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
