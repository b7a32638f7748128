import type { Insertable, Selectable } from 'kysely';

/** A sender's named recipient list; only its owner ever sees it. */
export interface BroadcastListsTable {
  id: string;
  owner_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}
export type BroadcastListRow = Selectable<BroadcastListsTable>;
export type NewBroadcastListRow = Insertable<BroadcastListsTable>;

export interface BroadcastRecipientsTable {
  list_id: string;
  user_id: string;
  added_at: string;
}
export type BroadcastRecipientRow = Selectable<BroadcastRecipientsTable>;

/** One send to a list; `(sender_id, client_message_id)` is unique, so a retry finds it. */
export interface BroadcastSendsTable {
  id: string;
  list_id: string;
  sender_id: string;
  client_message_id: string;
  text: string;
  created_at: string;
}
export type BroadcastSendRow = Selectable<BroadcastSendsTable>;

/** Where one send landed for one recipient: a message in their direct chat with the sender. */
export interface BroadcastDeliveriesTable {
  send_id: string;
  recipient_id: string;
  conversation_id: string;
  message_id: string;
}
export type BroadcastDeliveryRow = Selectable<BroadcastDeliveriesTable>;
