import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { latestEventId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { loadStreamFilter, type StreamFilter } from '../privacy/stream-filter.ts';
import type { ControlItem, EventHub, StreamItem } from './hub.ts';
import { readUserEvents } from './log.ts';
import { prunedThrough, resyncRequired } from './retention.ts';
import { toStreamEvents } from './wire.ts';

/** Replays read this many events per page, then let other work run before the next page. */
const REPLAY_PAGE = 200;

/** A subscriber this far behind is cut off; it resumes from the log with its last id. */
const MAX_BUFFERED = 10_000;

function tokenExpired(): DomainError {
  return new DomainError({ code: 'UNAUTHORIZED', message: 'Access token expired' });
}

/** The subscriber fell too far behind (items buffered, or bytes unsent on its socket). */
export class SlowConsumerError extends Error {
  constructor() {
    super('Subscriber fell too far behind; resume with the last event id');
  }
}

/**
 * How a stream learns that its subscriber stopped: an AbortSignal, or anything as small that
 * calls its listener's `handleEvent` once (ws-events.ts's socket streams).
 */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: { handleEvent(): void }): void;
  removeEventListener(type: 'abort', listener: { handleEvent(): void }): void;
}

export interface StreamOptions {
  lastEventId?: string | null;
  signal?: StopSignal | undefined;
  tokenExpiresAt: number;
}

const expired = (deps: ApiDeps, options: StreamOptions) =>
  deps.clock.now() >= options.tokenExpiresAt;

/**
 * The replay part of a stream: the user's events after `position.cursor`, page by page (the
 * cursor follows what was read). Nothing without a `lastEventId`. A token that expires during
 * a long replay ends it (a page may hold events committed after the expiry).
 */
async function* replayEvents(
  deps: ApiDeps,
  hub: EventHub,
  userId: string,
  filter: StreamFilter,
  options: StreamOptions,
  position: { cursor: string },
  stopped: () => boolean,
): AsyncGenerator<StreamItem> {
  // An empty log has no id to resume from; '' means "from the beginning".
  if (options.lastEventId == null) return;
  // An id beyond the newest event (a client bug or a forged id) resumes from the newest:
  // live events after it must flow, not be skipped as "already seen".
  const newest = (await latestEventId(deps.db)) ?? '';
  if (position.cursor > newest) position.cursor = newest;
  // Retention deleted events after this cursor: replaying would leave a silent gap.
  if (position.cursor < (await prunedThrough(deps.db))) throw resyncRequired();
  const release = await hub.replaySlot();
  try {
    for (;;) {
      const rows = await readUserEvents(deps.db, userId, position.cursor, REPLAY_PAGE);
      // Pruning may have run while this page was read: it is whole only if nothing after
      // the cursor had gone by then.
      if (position.cursor < (await prunedThrough(deps.db))) throw resyncRequired();
      const events = await toStreamEvents(deps.db, rows);
      for (const [i, row] of rows.entries()) {
        if (expired(deps, options)) throw tokenExpired();
        const event = events[i];
        const item = event && filter.apply({ kind: 'durable', event });
        if (item) yield item;
        position.cursor = row.id;
      }
      if (rows.length < REPLAY_PAGE || stopped()) break;
      await yieldToOthers();
    }
  } finally {
    release();
  }
}

/**
 * A live item after the replay: a control note updates the filter; a durable event the replay
 * already gave (by id) is dropped; what the filter lets through is returned.
 */
function liveItem(
  filter: StreamFilter,
  position: { cursor: string },
  item: StreamItem | ControlItem,
): StreamItem | null {
  if (item.kind === 'blocked-by') {
    filter.blockedBy(item.blockerId, item.blocked);
    return null;
  }
  if (item.kind === 'durable') {
    if (item.event.id <= position.cursor) return null;
    position.cursor = item.event.id;
  }
  return filter.apply(item);
}

/**
 * One device's stream: attach to the live hub first (buffering), replay the log after
 * `lastEventId`, then hand over to live items, dropping any the replay already yielded.
 * The generator form, for consumers that pull (SSE); `startEventStream` is the push form.
 */
export async function* streamEvents(
  deps: ApiDeps,
  hub: EventHub,
  userId: string,
  options: StreamOptions,
): AsyncGenerator<StreamItem> {
  const buffer: (StreamItem | ControlItem)[] = [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  const sink = (item: StreamItem | ControlItem) => {
    if (buffer.length >= MAX_BUFFERED) overflowed = true;
    else buffer.push(item);
    wake?.();
  };
  hub.attach(userId, sink);
  const onAbort = { handleEvent: () => wake?.() };
  options.signal?.addEventListener('abort', onAbort);
  // The stream ends with UNAUTHORIZED when the access token expires; clients refresh and resume.
  const expiry = setTimeout(
    onAbort.handleEvent,
    Math.max(0, options.tokenExpiresAt - deps.clock.now()),
  );
  try {
    // Loaded after attaching: a block that lands meanwhile is in the buffer, applied in order.
    const filter = await loadStreamFilter(deps.db, userId);
    const position = { cursor: options.lastEventId ?? '' };
    yield* replayEvents(deps, hub, userId, filter, options, position, () =>
      Boolean(options.signal?.aborted),
    );
    while (!options.signal?.aborted) {
      if (expired(deps, options)) throw tokenExpired();
      if (overflowed) throw new SlowConsumerError();
      const item = buffer.shift();
      if (!item) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      const shown = liveItem(filter, position, item);
      if (shown) yield shown;
    }
  } finally {
    clearTimeout(expiry);
    hub.detach(userId, sink);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Where a pushed stream goes: each item, then its end (once). */
export interface ItemSink {
  /** One item; throwing ends the stream with that error. */
  deliver(item: StreamItem): void;
  /** The stream ended: with no error when its signal aborted, else why it was cut. */
  ended(error?: unknown): void;
}

/**
 * The same stream, pushed: `sink.deliver` is called with each item as it comes (the replay's,
 * then each live item synchronously from the hub, with no buffer, promise or generator step
 * per item once live). `sink.ended` is called once, when the stream ends: with no error when
 * `signal` aborts, else with the reason it was cut (token expiry, RESYNC_REQUIRED, too many
 * items buffered during the replay, or whatever `deliver` threw: e.g. `SlowConsumerError` when
 * a socket backs up). Nothing else is kept per stream: no promise, no generator, no closure.
 */
export function startEventStream(
  deps: ApiDeps,
  hub: EventHub,
  userId: string,
  options: StreamOptions,
  sink: ItemSink,
): void {
  new PushedStream(deps, hub, userId, options, sink).start();
}

/**
 * One pushed stream's state: one object with its steps on the prototype, since it lives as
 * long as its device is connected (no closures kept per stream but the hub's bound sink).
 */
class PushedStream {
  /** Live items that arrive before the replay is done wait here; null once live. */
  private pending: (StreamItem | ControlItem)[] | null = [];
  private filter: StreamFilter | undefined = undefined;
  /** The newest durable event id given (the replay's position, then the live one's). */
  cursor: string;
  private ended = false;
  /** The hub's sink (this stream's `receive`). */
  private readonly sinkFn: (item: StreamItem | ControlItem) => void;

  constructor(
    private readonly deps: ApiDeps,
    private readonly hub: EventHub,
    private readonly userId: string,
    private readonly options: StreamOptions,
    private readonly sink: ItemSink,
  ) {
    this.cursor = options.lastEventId ?? '';
    this.sinkFn = this.receive.bind(this);
    hub.attach(userId, this.sinkFn);
    options.signal?.addEventListener('abort', this);
    expiriesOf(deps.clock).add(this);
  }

  get tokenExpiresAt(): number {
    return this.options.tokenExpiresAt;
  }

  start(): void {
    if (this.options.signal?.aborted) this.end();
    this.replay().catch((error: unknown) => this.end(error));
  }

  /** The signal aborted: the subscriber stopped. */
  handleEvent(): void {
    this.end();
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    expiriesOf(this.deps.clock).delete(this);
    this.hub.detach(this.userId, this.sinkFn);
    this.options.signal?.removeEventListener('abort', this);
    this.sink.ended(error);
  }

  /** The hub's sink. */
  private receive(item: StreamItem | ControlItem): void {
    if (this.ended) return;
    if (this.pending) {
      if (this.pending.length >= MAX_BUFFERED) this.end(new SlowConsumerError());
      else this.pending.push(item);
      return;
    }
    // The stream ends with UNAUTHORIZED when the access token expires; clients refresh and
    // resume (the timer covers a quiet stream).
    if (expired(this.deps, this.options)) {
      this.end(tokenExpired());
      return;
    }
    try {
      this.step(item);
    } catch (error) {
      this.end(error);
    }
  }

  private step(item: StreamItem | ControlItem): void {
    const shown = liveItem(this.filter!, this, item);
    if (shown) this.sink.deliver(shown);
  }

  private async replay(): Promise<void> {
    const { deps, options } = this;
    // Loaded after attaching: a block that lands meanwhile is pending, applied in order.
    this.filter = await loadStreamFilter(deps.db, this.userId);
    if (this.ended) return;
    for await (const item of replayEvents(
      deps,
      this.hub,
      this.userId,
      this.filter,
      options,
      this,
      () => this.ended,
    )) {
      if (this.ended) return;
      this.sink.deliver(item);
    }
    if (this.ended) return;
    if (expired(deps, options)) throw tokenExpired();
    const waiting = this.pending ?? [];
    this.pending = null;
    for (const item of waiting) {
      if (this.ended) return;
      this.step(item);
    }
  }
}

/**
 * Ends pushed streams when their access token expires, with one timer for all of a server's
 * streams (one `Timeout` per stream, with a timer list of its own when no other stream had the
 * same delay, was ~0.2 KB of every idle connection): streams wait in buckets by the second
 * their token expires, and once a second the buckets due end theirs. A stream ends at most
 * about a second after its token expired (or at its next item, which checks the expiry itself).
 */
class ExpirySweep {
  private readonly due = new Map<number, Set<PushedStream>>();
  private timer: ReturnType<typeof setInterval> | undefined = undefined;

  constructor(private readonly clock: ApiDeps['clock']) {}

  add(stream: PushedStream): void {
    const second = secondOf(stream.tokenExpiresAt);
    let bucket = this.due.get(second);
    if (!bucket) {
      bucket = new Set();
      this.due.set(second, bucket);
    }
    bucket.add(stream);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), 1000);
      this.timer.unref();
    }
  }

  delete(stream: PushedStream): void {
    const second = secondOf(stream.tokenExpiresAt);
    const bucket = this.due.get(second);
    if (!bucket?.delete(stream) || bucket.size > 0) return;
    this.due.delete(second);
    if (this.due.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [second, bucket] of this.due) {
      if (second * 1000 > now) continue;
      for (const stream of bucket) stream.end(tokenExpired());
    }
  }
}

const secondOf = (at: number) => Math.ceil(at / 1000);

/** Each server's sweep (its clock is its own: tests run several servers, some on a test clock). */
const sweeps = new WeakMap<ApiDeps['clock'], ExpirySweep>();

function expiriesOf(clock: ApiDeps['clock']): ExpirySweep {
  let sweep = sweeps.get(clock);
  if (!sweep) {
    sweep = new ExpirySweep(clock);
    sweeps.set(clock, sweep);
  }
  return sweep;
}
