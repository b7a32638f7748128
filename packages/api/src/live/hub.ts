import { latestEventId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import type { BusEphemeral } from '../ports/event-bus.ts';
import type { EphemeralEvent, StreamEvent } from './events.ts';
import { recipientsOf } from './log.ts';
import { toStreamEvents } from './wire.ts';

export type StreamItem =
  | { kind: 'durable'; event: StreamEvent }
  | { kind: 'ephemeral'; event: EphemeralEvent };

/**
 * A private note for a stream, never yielded: `blockerId` blocked or unblocked the stream's
 * user (their stream withholds the blocker's presence, typing and receipts). The blocked user
 * never receives the `block.changed` event itself.
 */
export type ControlItem = { kind: 'blocked-by'; blockerId: string; blocked: boolean };

export type Sink = (item: StreamItem | ControlItem) => void;

export interface CommittedEvent {
  event: StreamEvent;
  recipients: string[];
}

export interface EventHub {
  /** Reads the log position and starts tailing. */
  start(): Promise<void>;
  /** Registers a local subscriber; items arrive in log order until `detach`. */
  attach(userId: string, sink: Sink): void;
  /** Unregisters a subscriber `attach` registered. */
  detach(userId: string, sink: Sink): void;
  /**
   * Events this instance just committed, handed over without reading them back. Taken only
   * when the hub has already fanned out everything up to `previousId` (the newest id before
   * the batch, read under the event-log lock); otherwise the tailer reads them from the log.
   */
  deliverCommitted(previousId: string, events: CommittedEvent[]): boolean;
  /**
   * Waits for one of this instance's replay slots (at most 2 replays read the log at once;
   * others wait, their live events buffered). Call the returned function when done.
   */
  replaySlot(): Promise<() => void>;
  /**
   * Calls `listener` with every event of these types the tailer reads, whoever it is for and
   * before it is handed to subscribers (e.g. bans, which every instance must learn about).
   */
  observe(types: readonly string[], listener: (event: StreamEvent) => void): () => void;
  /** Local subscriber count (metrics). */
  size(): number;
  /**
   * Monotonic counters since start (metrics): log rows read, items handed to subscribers; and
   * the tailer's position in the log (`cursor`, the last event id it has fanned out).
   */
  stats(): { eventsRead: number; deliveries: number; cursor: string };
  close(): Promise<void>;
}

const BATCH = 500;
const MAX_CONCURRENT_REPLAYS = 2;

/**
 * One log tailer per server instance. Every bus "log advanced" message (from this or any other
 * instance) and a slow poll wake it; it reads `id > cursor` in id order and fans the rows out
 * to local subscribers. Because ids commit in order, reading by id never skips an event, no
 * matter in which order the wake-ups arrive.
 */
export function createEventHub(deps: ApiDeps, options: { pollMs: number }): EventHub {
  // A user's one sink as itself (most users have one device connected), a Set for several.
  const sinks = new Map<string, Sink | Set<Sink>>();

  /** Hands `item` to the user's sinks; returns how many. */
  function deliverTo(userId: string, item: StreamItem | ControlItem): number {
    const found = sinks.get(userId);
    if (found === undefined) return 0;
    if (typeof found === 'function') {
      found(item);
      return 1;
    }
    const count = found.size;
    for (const sink of found) sink(item);
    return count;
  }

  function detach(userId: string, sink: Sink): void {
    const found = sinks.get(userId);
    if (found === sink) sinks.delete(userId);
    else if (found !== undefined && typeof found !== 'function') {
      found.delete(sink);
      if (found.size === 1) sinks.set(userId, found.values().next().value!);
    }
  }
  const observers = new Map<string, Set<(event: StreamEvent) => void>>();
  let cursor = '';
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let poll: NodeJS.Timeout | undefined;
  const counters = { eventsRead: 0, deliveries: 0 };
  let freeReplaySlots = MAX_CONCURRENT_REPLAYS;
  const waitingReplays: (() => void)[] = [];

  async function drain(): Promise<void> {
    do {
      again = false;
      const rows = await deps.db
        .selectFrom('events')
        .selectAll()
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(BATCH)
        .execute();
      // Events committed by this instance may have been handed over meanwhile.
      const fresh = rows.filter((r) => r.id > cursor);
      const observed = observers.size > 0 && fresh.some((r) => observers.has(r.type));
      if (fresh.length > 0 && (observed || sinks.size > 0)) {
        const [events, recipients] = await Promise.all([
          toStreamEvents(deps.db, fresh),
          sinks.size > 0 ? recipientsOf(deps.db, fresh) : new Map<string, string[]>(),
        ]);
        for (const [i, row] of fresh.entries()) {
          const event = events[i];
          if (!event) continue;
          for (const listener of observers.get(row.type) ?? []) listener(event);
        }
        if (sinks.size > 0) {
          for (const [i, row] of fresh.entries()) {
            if (row.id <= cursor) continue;
            const event = events[i];
            if (event) fanOut(event, recipients.get(row.id) ?? []);
            cursor = row.id;
          }
        }
      }
      if (rows.length === 0) return;
      counters.eventsRead += fresh.length;
      if (rows.at(-1)!.id > cursor) cursor = rows.at(-1)!.id;
      if (rows.length === BATCH) again = true;
    } while (again && !closed);
  }

  function fanOut(event: StreamEvent, recipients: string[]): void {
    if (event.type === 'block.changed' && recipients[0]) {
      const note: ControlItem = {
        kind: 'blocked-by',
        blockerId: recipients[0],
        blocked: event.blocked,
      };
      deliverTo(event.userId, note);
    }
    const item: StreamItem = { kind: 'durable', event };
    for (const userId of recipients) counters.deliveries += deliverTo(userId, item);
  }

  function wake(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error) => deps.logger.error({ err: error }, 'event log tail failed'))
      .finally(() => {
        running = null;
        if (again) wake();
      });
  }

  function deliverEphemeral({ event, recipients }: BusEphemeral): void {
    const item: StreamItem = { kind: 'ephemeral', event };
    for (const userId of recipients) deliverTo(userId, item);
  }

  return {
    async start() {
      cursor = (await latestEventId(deps.db)) ?? '';
      unsubscribe = deps.bus.subscribe((message) => {
        // This instance's own commits were handed over already (the cursor is past them).
        if (message.kind === 'log') {
          if (message.lastEventId > cursor) wake();
        } else deliverEphemeral(message);
      });
      poll = setInterval(wake, options.pollMs);
      poll.unref();
    },
    deliverCommitted(previousId, events) {
      if (closed || cursor !== previousId || events.length === 0) return false;
      for (const { event, recipients } of events) {
        for (const listener of observers.get(event.type) ?? []) listener(event);
        fanOut(event, recipients);
      }
      counters.eventsRead += events.length;
      cursor = events.at(-1)!.event.id;
      return true;
    },
    async replaySlot() {
      if (freeReplaySlots > 0) freeReplaySlots -= 1;
      else await new Promise<void>((resolve) => waitingReplays.push(resolve));
      return () => {
        const next = waitingReplays.shift();
        if (next) next();
        else freeReplaySlots += 1;
      };
    },
    attach(userId, sink) {
      const found = sinks.get(userId);
      if (found === undefined) sinks.set(userId, sink);
      else if (typeof found === 'function') {
        if (found !== sink) sinks.set(userId, new Set([found, sink]));
      } else found.add(sink);
    },
    detach,
    observe(types, listener) {
      for (const type of types) {
        const set = observers.get(type) ?? new Set();
        set.add(listener);
        observers.set(type, set);
      }
      return () => {
        for (const type of types) observers.get(type)?.delete(listener);
      };
    },
    stats() {
      return { ...counters, cursor };
    },
    size() {
      let n = 0;
      for (const found of sinks.values()) n += typeof found === 'function' ? 1 : found.size;
      return n;
    },
    async close() {
      closed = true;
      clearInterval(poll);
      unsubscribe?.();
      await running;
      sinks.clear();
    },
  };
}
