import type { DbOrTx } from '@parley/db';
import { sql } from 'kysely';

/**
 * When watermarks moved, kept small: a move within `COALESCE_MS` of the member's previous one
 * replaces it (the later time wins, so a time is never earlier than the read), and only the
 * newest `MAX_HISTORY_POINTS` moves per member and kind are kept. A message older than every kept point
 * reports the oldest kept time (never earlier than the truth).
 */
const COALESCE_MS = 60_000;
/** Kept points per member and kind (the PostgreSQL receipt batch writes them set-based too). */
export const MAX_HISTORY_POINTS = 100;

/** A point recorded at `at` replaces the member's latest one when that is newer than this. */
export function coalesceSince(at: string): string {
  return new Date(Date.parse(at) - COALESCE_MS).toISOString();
}

/** Whether a move at `at` replaces the member's latest point, recorded at `latestAt`. */
export function coalescesWith(latestAt: string, at: string): boolean {
  return Date.parse(at) - Date.parse(latestAt) < COALESCE_MS;
}

export type ReceiptKind = 'delivered' | 'read';

export async function recordWatermarkMove(
  trx: DbOrTx,
  point: { conversationId: string; userId: string; kind: ReceiptKind; seq: number; at: string },
): Promise<void> {
  const scope = trx
    .selectFrom('receipt_history')
    .where('conversation_id', '=', point.conversationId)
    .where('user_id', '=', point.userId)
    .where('kind', '=', point.kind);
  const latest = await scope
    .select(['seq', 'at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (latest && coalescesWith(latest.at, point.at)) {
    await trx
      .updateTable('receipt_history')
      .set({ seq: point.seq, at: point.at })
      .where('conversation_id', '=', point.conversationId)
      .where('user_id', '=', point.userId)
      .where('kind', '=', point.kind)
      .where('seq', '=', latest.seq)
      .execute();
    return;
  }
  await trx
    .insertInto('receipt_history')
    .values({
      conversation_id: point.conversationId,
      user_id: point.userId,
      kind: point.kind,
      seq: point.seq,
      at: point.at,
    })
    .execute();
  const cutoff = await scope
    .select('seq')
    .orderBy('seq', 'desc')
    .offset(MAX_HISTORY_POINTS)
    .limit(1)
    .executeTakeFirst();
  if (cutoff) {
    await trx
      .deleteFrom('receipt_history')
      .where('conversation_id', '=', point.conversationId)
      .where('user_id', '=', point.userId)
      .where('kind', '=', point.kind)
      .where('seq', '<=', cutoff.seq)
      .execute();
  }
}

/**
 * When each of `userIds` passed `seq`: the first recorded move at or beyond it, or (the server
 * moves a member's watermarks to their own new message without a receipt) their first message
 * after it, whichever came first. Null when neither exists.
 */
export async function watermarkTimes(
  db: DbOrTx,
  conversationId: string,
  seq: number,
  userIds: string[],
): Promise<Map<string, { delivered: string | null; read: string | null }>> {
  const result = new Map<string, { delivered: string | null; read: string | null }>();
  if (userIds.length === 0) return result;
  const moves = await db
    .selectFrom('receipt_history')
    .select(['user_id', 'kind', (eb) => eb.fn.min<string>('at').as('at')])
    .where('conversation_id', '=', conversationId)
    .where('user_id', 'in', userIds)
    .where('seq', '>=', seq)
    .groupBy(['user_id', 'kind'])
    .execute();
  const sends = await db
    .selectFrom('messages')
    .select(['sender_id', sql<string>`min(created_at)`.as('at')])
    .where('conversation_id', '=', conversationId)
    .where('sender_id', 'in', userIds)
    .where('seq', '>', seq)
    .groupBy('sender_id')
    .execute();
  const earliest = (...times: (string | null | undefined)[]) =>
    times.filter((t): t is string => !!t).sort()[0] ?? null;
  for (const userId of userIds) {
    const read = moves.find((m) => m.user_id === userId && m.kind === 'read')?.at;
    const delivered = moves.find((m) => m.user_id === userId && m.kind === 'delivered')?.at;
    const sent = sends.find((s) => s.sender_id === userId)?.at;
    const readAt = earliest(read, sent);
    result.set(userId, { read: readAt, delivered: earliest(delivered, readAt) });
  }
  return result;
}
