import type { EventRow } from '@parley/db';
import type { DurableEvent, StreamEvent } from './events.ts';

// Serialize once: each durable event's JSON is made once (from the stored payload) and the
// same text goes into every subscriber's frame (see the WebSocket encoder in the server).
const jsonOf = new WeakMap<object, string>();

/** The event as subscribers receive it: the stored payload plus its log id and time. */
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

export function toStreamEvent(row: EventRow): StreamEvent {
  return streamEventOf(row.id, row.payload, row.created_at);
}

/** The event's JSON text, when it was made by `streamEventOf`. */
export function eventJson(event: object): string | undefined {
  return jsonOf.get(event);
}
