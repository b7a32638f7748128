import type { DbOrTx, EventRow, MessageRow } from '@parley/db';
import { toMessageDto } from '../shared/mappers.ts';
import type { MessageDto } from '../shared/schemas.ts';
import type { DurableEvent, StreamEvent } from './events.ts';

// Serialize once: each durable event's JSON is made once (from the stored payload) and the
// same text goes into every subscriber's frame (see the WebSocket encoder in the server).
const jsonOf = new WeakMap<object, string>();

/** The event as subscribers receive it: the full payload plus its log id and time. */
export function streamEventOf(
  id: string,
  payload: string,
  at: string,
  /** The parsed payload, when the caller has it (the writer): saves a JSON.parse. */
  parsed: DurableEvent = JSON.parse(payload) as DurableEvent,
): StreamEvent {
  const event = { ...parsed, id, at };
  // Same text as JSON.stringify(event): the payload's keys, then id and at.
  jsonOf.set(
    event,
    `${payload.slice(0, -1)},"id":${JSON.stringify(id)},"at":${JSON.stringify(at)}}`,
  );
  return event;
}

/** The event's JSON text, when it was made by `streamEventOf`. */
export function eventJson(event: object): string | undefined {
  return jsonOf.get(event);
}

/**
 * How a plain text message's `message.created` is stored (issue 19, item 4): the event less
 * its `message`, with `message_id` on the row; the message is the row itself, read back when
 * the event is read. `full` is what subscribers receive (`fullPayload` gives it back).
 */
export function messageCreatedByRef(conversationId: string, message: MessageDto) {
  const stored = `{"type":"message.created","conversationId":${JSON.stringify(conversationId)}}`;
  return { stored, full: withMessage(stored, message) };
}

/** A stored-by-reference payload with its message put back (the same text as before). */
const withMessage = (stored: string, message: MessageDto) =>
  `${stored.slice(0, -1)},"message":${JSON.stringify(message)}}`;

type LoggedRow = Pick<EventRow, 'id' | 'payload' | 'message_id'>;

/**
 * The full JSON payload of each row, in order: as stored, or, for an event stored by
 * reference, with its message read from the messages row (one query for all of them). Null
 * when that message is gone (retention or account erasure deleted it): the event is skipped.
 * The message is the row as it is now (edited text, a deletion), which the later events of
 * the log bring about anyway.
 */
export async function fullPayloads(
  db: DbOrTx,
  rows: readonly LoggedRow[],
): Promise<(string | null)[]> {
  const ids = [...new Set(rows.flatMap((r) => (r.message_id ? [r.message_id] : [])))];
  if (ids.length === 0) return rows.map((r) => r.payload);
  const messages = new Map<string, MessageRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db
      .selectFrom('messages')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const m of found) messages.set(m.id, m);
  }
  return rows.map((r) => {
    if (!r.message_id) return r.payload;
    const message = messages.get(r.message_id);
    if (!message) return null;
    return withMessage(r.payload, toMessageDto(message));
  });
}

/** The rows as stream events, in order; null for a row whose message is gone. */
export async function toStreamEvents(
  db: DbOrTx,
  rows: readonly EventRow[],
): Promise<(StreamEvent | null)[]> {
  const payloads = await fullPayloads(db, rows);
  return rows.map((row, i) => {
    const payload = payloads[i];
    return payload == null ? null : streamEventOf(row.id, payload, row.created_at);
  });
}
