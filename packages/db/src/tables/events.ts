import type { Insertable, Selectable } from 'kysely';

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
  /** JSON text. */
  payload: string;
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
