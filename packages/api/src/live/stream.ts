import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { latestEventId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { loadStreamFilter } from '../privacy/stream-filter.ts';
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

class SlowConsumerError extends Error {
  constructor() {
    super('Subscriber fell too far behind; resume with the last event id');
  }
}

/**
 * One device's stream: attach to the live hub first (buffering), replay the log after
 * `lastEventId`, then hand over to live items, dropping any the replay already yielded.
 */
export async function* streamEvents(
  deps: ApiDeps,
  hub: EventHub,
  userId: string,
  options: { lastEventId?: string | null; signal?: AbortSignal; tokenExpiresAt: number },
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
    let cursor = options.lastEventId ?? '';
    // An empty log has no id to resume from; '' means "from the beginning".
    if (options.lastEventId != null) {
      // An id beyond the newest event (a client bug or a forged id) resumes from the newest:
      // live events after it must flow, not be skipped as "already seen".
      const newest = (await latestEventId(deps.db)) ?? '';
      if (cursor > newest) cursor = newest;
      // Retention deleted events after this cursor: replaying would leave a silent gap.
      if (cursor < (await prunedThrough(deps.db))) throw resyncRequired();
      const release = await hub.replaySlot();
      try {
        for (;;) {
          const rows = await readUserEvents(deps.db, userId, cursor, REPLAY_PAGE);
          // Pruning may have run while this page was read: it is whole only if nothing after
          // the cursor had gone by then.
          if (cursor < (await prunedThrough(deps.db))) throw resyncRequired();
          const events = await toStreamEvents(deps.db, rows);
          for (const [i, row] of rows.entries()) {
            const event = events[i];
            const item = event && filter.apply({ kind: 'durable', event });
            if (item) yield item;
            cursor = row.id;
          }
          if (rows.length < REPLAY_PAGE || options.signal?.aborted) break;
          await yieldToOthers();
        }
      } finally {
        release();
      }
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
        if (item.event.id <= cursor) continue;
        cursor = item.event.id;
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
