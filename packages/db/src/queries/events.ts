import { sql } from 'kysely';
import type { DbOrTx } from '../database.ts';
import { dialectOf } from '../dialect.ts';
import { nextIds } from '../ids.ts';
import type { EventRow } from '../tables/events.ts';

// Any constants work; they only have to be the same for every writer of the event log.
const EVENT_LOG_LOCK_KEY = 0x70617231; // "par1"
const WRITERS_LOCK_KEY = 0x70617257; // "parW"

/**
 * Serializes writers of the event log from id allocation until the transaction ends.
 *
 * Readers resume with `id > lastEventId`. If two transactions could take ids in one order and
 * commit in the other, a reader could see the later id first and skip the earlier one forever.
 * Holding one lock from id allocation to commit makes commit order equal id order. SQLite
 * already allows a single writer at a time, so only PostgreSQL needs the advisory lock.
 *
 * Take it LAST, through `allocateEventIds`, after every other write of the transaction: its
 * holder then only reads the newest id, inserts events and commits, never waits for a row
 * lock, so it can never be part of a deadlock, and everything else a transaction does runs in
 * parallel with other instances' writers.
 */
export async function lockEventLog(trx: DbOrTx): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${EVENT_LOG_LOCK_KEY})`.execute(trx);
  }
}

/**
 * Serializes the read-modify-write operations other than sends (receipts, edits, reactions,
 * membership, direct-chat creation) with each other until the transaction ends, on every
 * instance: they read state and write what follows from it. Sends do not take it; they lock
 * their conversation's row before reading its members. Take it FIRST. PostgreSQL only.
 */
export async function serializeWriters(trx: DbOrTx): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${WRITERS_LOCK_KEY})`.execute(trx);
  }
}

/** Whether a PostgreSQL transaction failed on a deadlock (it may simply run again). */
export function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '40P01';
}

/**
 * Takes the event-log lock and allocates `count` ids after the newest one. Returns the newest
 * id before them too (the hub hands a batch over directly only when it has seen that one).
 */
export async function allocateEventIds(
  trx: DbOrTx,
  count: number,
  now: number = Date.now(),
): Promise<{ previous: string; ids: string[] }> {
  await lockEventLog(trx);
  const previous = (await latestEventId(trx)) ?? '';
  return { previous, ids: nextIds(previous, count, now) };
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

/** Inserts event rows whose ids the caller allocated (`allocateEventIds`). */
export async function insertEvents(trx: DbOrTx, rows: EventRow[]): Promise<void> {
  if (rows.length > 0) await trx.insertInto('events').values(rows).execute();
}

/**
 * Appends events with ULIDs that are strictly increasing across all writers, taking the
 * event-log lock: call it as the last write of the transaction.
 */
export async function appendEvents(trx: DbOrTx, events: AppendEvent[]): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const { ids } = await allocateEventIds(trx, events.length);
  const rows: EventRow[] = events.map((e, i) => ({
    id: ids[i]!,
    conversation_id: e.conversationId,
    user_id: e.userId ?? null,
    type: e.type,
    payload: JSON.stringify(e.payload),
    message_id: null,
    created_at: e.at,
  }));
  await insertEvents(trx, rows);
  return rows;
}
