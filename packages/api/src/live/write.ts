import { appendEvents, type DbOrTx, isDeadlock, serializeWriters } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import type { DurableEvent } from './events.ts';

export interface PendingEvent {
  event: DurableEvent;
  /** Only this user receives it (otherwise: the members of `event.conversationId`). */
  onlyUserId?: string;
}

export type Emit = (pending: PendingEvent) => void;

/** Attempts of a transaction that PostgreSQL aborted as a deadlock victim (then it gives up). */
export const DEADLOCK_ATTEMPTS = 3;

/**
 * One transaction that may append durable events. The events commit with the change, and are
 * published on the bus only after the commit, so nobody sees an event that could roll back.
 * A publish that fails is logged, not retried: tailers poll the log as well.
 *
 * On PostgreSQL these operations run one at a time across all instances (they read state and
 * write what follows from it), but in parallel with sends: the event-log lock is taken only
 * when the events are appended, at the end. A deadlock with a send (rows locked in another
 * order) aborts one of them; this side runs again.
 */
export async function writeWithEvents<T>(
  deps: ApiDeps,
  work: (trx: DbOrTx, emit: Emit) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeOnce(deps, work);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

async function writeOnce<T>(
  deps: ApiDeps,
  work: (trx: DbOrTx, emit: Emit) => Promise<T>,
): Promise<T> {
  const pending: PendingEvent[] = [];
  const { result, rows } = await deps.db.transaction().execute(async (trx) => {
    await serializeWriters(trx);
    const result = await work(trx, (p) => pending.push(p));
    const at = new Date(deps.clock.now()).toISOString();
    const rows = await appendEvents(
      trx,
      pending.map((p) => ({
        conversationId: 'conversationId' in p.event ? p.event.conversationId : null,
        userId: p.onlyUserId ?? null,
        type: p.event.type,
        payload: p.event,
        at,
      })),
    );
    return { result, rows };
  });
  const last = rows.at(-1);
  if (last) {
    try {
      await deps.bus.publish({ kind: 'log', lastEventId: last.id });
    } catch (error) {
      // Tailers also poll, so the event still goes out, just later.
      deps.logger.error({ err: error, eventId: last.id }, 'event publish failed');
    }
  }
  return result;
}

export function nowIso(deps: ApiDeps): string {
  return new Date(deps.clock.now()).toISOString();
}
