import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * The durable event log. Every durable change appends here in the same transaction as the
 * change; the live stream and resume-after-reconnect both read from it. Ids are ULIDs handed
 * out in commit order (see `appendEvent`), so `id > lastEventId` never skips a row.
 */
export interface EventsTable {
  id: string;
  conversation_id: string | null;
  /** Set for events addressed to one user only (e.g. "you were removed"). */
  user_id: string | null;
  type: string;
  /**
   * JSON text: the event as subscribers receive it, less `id` and `at`; for an event stored
   * by reference (`message_id` set), less its `message` too.
   */
  payload: string;
  /**
   * Set when the event's `message` is not stored in `payload` but read from this messages row
   * when the event is read (a plain text `message.created`: the row is the message).
   */
  message_id: ColumnType<string | null, string | null | undefined, never>;
  created_at: string;
}
export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;

/**
 * Small named values about the log. `pruned_through`: the newest event id retention deleted;
 * every event up to it is gone, so a resume from an older cursor answers RESYNC_REQUIRED.
 */
export interface EventLogStateTable {
  name: string;
  value: string;
}
