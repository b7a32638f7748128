import { sql } from 'kysely';
import type { DbOrTx } from '../database.ts';
import { dialectOf } from '../dialect.ts';
import { nextIds } from '../ids.ts';
import type { EventRow } from '../tables/events.ts';

// Any constant works; it only has to be the same for every writer of the event log.
const EVENT_LOG_LOCK_KEY = 0x70617231; // "par1"

/**
 * Serializes writers of the event log until the transaction ends.
 *
 * Readers resume with `id > lastEventId`. If two transactions could take ids in one order and
 * commit in the other, a reader could see the later id first and skip the earlier one forever.
 * Holding one lock from id allocation to commit makes commit order equal id order. SQLite
 * already allows a single writer at a time, so only PostgreSQL needs the advisory lock.
 * Call it first in every transaction that appends events, so lock order is always the same.
 */
export async function lockEventLog(trx: DbOrTx): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${EVENT_LOG_LOCK_KEY})`.execute(trx);
  }
}

export interface AppendEvent {
  conversationId: string | null;
  userId?: string | null;
  type: string;
  payload: unknown;
  at: string;
}

/** The newest event id, or null for an empty log. */
export async function latestEventId(db: DbOrTx): Promise<string | null> {
  const row = await db
    .selectFrom('events')
    .select('id')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Inserts event rows whose ids the caller allocated (`nextIds` after the newest, under the lock). */
export async function insertEvents(trx: DbOrTx, rows: EventRow[]): Promise<void> {
  if (rows.length > 0) await trx.insertInto('events').values(rows).execute();
}

/** Appends events with ULIDs that are strictly increasing across all writers. Needs the lock. */
export async function appendEvents(trx: DbOrTx, events: AppendEvent[]): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const ids = nextIds((await latestEventId(trx)) ?? '', events.length);
  const rows: EventRow[] = events.map((e, i) => ({
    id: ids[i]!,
    conversation_id: e.conversationId,
    user_id: e.userId ?? null,
    type: e.type,
    payload: JSON.stringify(e.payload),
    created_at: e.at,
  }));
  await insertEvents(trx, rows);
  return rows;
}
