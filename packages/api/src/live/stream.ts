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

export interface StreamOptions {
  lastEventId?: string | null;
  signal?: AbortSignal;
  tokenExpiresAt: number;
}

/**
 * The replay part of a stream: the user's events after `position.cursor`, page by page (the
 * cursor follows what was read). Nothing without a `lastEventId`.
 */
async function* replayEvents(
  deps: ApiDeps,
  hub: EventHub,
  userId: string,
  filter: StreamFilter,
  lastEventId: string | null | undefined,
  position: { cursor: string },
  stopped: () => boolean,
): AsyncGenerator<StreamItem> {
  // An empty log has no id to resume from; '' means "from the beginning".
  if (lastEventId == null) return;
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
 * One device's stream: attach to the live hub first (buffering), replay the log after
 * `lastEventId`, then hand over to live items, dropping any the replay already yielded.
 * The generator form, for consumers that pull (SSE); `runEventStream` is the push form.
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
  const detach = hub.attach(userId, (item) => {
    if (buffer.length >= MAX_BUFFERED) overflowed = true;
    else buffer.push(item);
    wake?.();
  });
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  // The stream ends with UNAUTHORIZED when the access token expires; clients refresh and resume.
  const expired = () => deps.clock.now() >= options.tokenExpiresAt;
  const expiry = setTimeout(onAbort, Math.max(0, options.tokenExpiresAt - deps.clock.now()));
  try {
    // Loaded after attaching: a block that lands meanwhile is in the buffer, applied in order.
    const filter = await loadStreamFilter(deps.db, userId);
    const position = { cursor: options.lastEventId ?? '' };
    const replay = replayEvents(deps, hub, userId, filter, options.lastEventId, position, () =>
      Boolean(options.signal?.aborted),
    );
    for await (const item of replay) {
      // A token that expires during a long replay stops it too (the page may hold events
      // committed after the expiry).
      if (expired()) throw tokenExpired();
      yield item;
    }
    while (!options.signal?.aborted) {
      if (expired()) throw tokenExpired();
      if (overflowed) throw new SlowConsumerError();
      const item = buffer.shift();
      if (!item) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if (item.kind === 'blocked-by') {
        filter.blockedBy(item.blockerId, item.blocked);
        continue;
      }
      if (item.kind === 'durable') {
        if (item.event.id <= position.cursor) continue;
        position.cursor = item.event.id;
      }
      const shown = filter.apply(item);
      if (shown) yield shown;
    }
  } finally {
    clearTimeout(expiry);
    detach();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The same stream, pushed: `deliver` is called with each item as it comes (the replay's, then
 * each live item synchronously from the hub, with no buffer, promise or generator step per
 * item once live). Settles when the stream ends: resolves when `signal` aborts, rejects with
 * the reason it was cut (token expiry, RESYNC_REQUIRED, too many items buffered during the
 * replay, or whatever `deliver` threw: e.g. `SlowConsumerError` when a socket backs up).
 */
export function runEventStream(
  deps: ApiDeps,
  hub: EventHub,
  userId: string,
  options: StreamOptions,
  deliver: (item: StreamItem) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Live items that arrive before the replay is done wait here; null once live.
    let pending: (StreamItem | ControlItem)[] | null = [];
    let filter: StreamFilter | undefined;
    const position = { cursor: options.lastEventId ?? '' };
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(expiry);
      detach();
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const step = (item: StreamItem | ControlItem) => {
      if (item.kind === 'blocked-by') {
        filter!.blockedBy(item.blockerId, item.blocked);
        return;
      }
      if (item.kind === 'durable') {
        if (item.event.id <= position.cursor) return;
        position.cursor = item.event.id;
      }
      const shown = filter!.apply(item);
      if (shown) deliver(shown);
    };
    const detach = hub.attach(userId, (item) => {
      if (ended) return;
      if (pending) {
        if (pending.length >= MAX_BUFFERED) end(new SlowConsumerError());
        else pending.push(item);
        return;
      }
      // The stream ends with UNAUTHORIZED when the access token expires; clients refresh and
      // resume (the timer below covers a quiet stream).
      if (deps.clock.now() >= options.tokenExpiresAt) {
        end(tokenExpired());
        return;
      }
      try {
        step(item);
      } catch (error) {
        end(error);
      }
    });
    const onAbort = () => end();
    options.signal?.addEventListener('abort', onAbort);
    const expiry = setTimeout(
      () => end(tokenExpired()),
      Math.max(0, options.tokenExpiresAt - deps.clock.now()),
    );
    if (options.signal?.aborted) end();
    (async () => {
      // Loaded after attaching: a block that lands meanwhile is pending, applied in order.
      filter = await loadStreamFilter(deps.db, userId);
      if (ended) return;
      for await (const item of replayEvents(
        deps,
        hub,
        userId,
        filter,
        options.lastEventId,
        position,
        () => ended,
      )) {
        if (ended) return;
        // A token that expires during a long replay stops it too (the page may hold events
        // committed after the expiry).
        if (deps.clock.now() >= options.tokenExpiresAt) throw tokenExpired();
        deliver(item);
      }
      if (ended) return;
      if (deps.clock.now() >= options.tokenExpiresAt) throw tokenExpired();
      const waiting = pending ?? [];
      pending = null;
      for (const item of waiting) {
        if (ended) return;
        step(item);
      }
    })().catch(end);
  });
}
