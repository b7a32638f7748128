import { appendEvents, type DbOrTx, dialectOf, isDeadlock } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { PendingEvent } from '../live/write.ts';
import { DEADLOCK_ATTEMPTS, nowIso } from '../live/write.ts';
import type { ReceiptDto } from '../shared/schemas.ts';
import { conversationsOf } from './conversations.ts';
import { updateMemberState } from './organize.ts';
import type { ReceiptKind } from './receipt-history.ts';
import { recordWatermarkMove } from './receipt-history.ts';

export interface ReceiptRequest {
  userId: string;
  conversationId: string;
  upToSeq?: number | null;
  kind: ReceiptKind;
}

/** A receipt as the batch left it, with the member's unread counts after the commit. */
export type ReceiptResult = ReceiptDto & { unreadCount: number; unreadMentionCount: number };

type Settle = { resolve: (receipt: ReceiptResult) => void; reject: (error: unknown) => void };
type Queued = { request: ReceiptRequest } & Settle;

/** Receipts per transaction at most; the rest wait for the next one. */
const MAX_BATCH = 512;

/** A member's state as the batch reads it (locked on PostgreSQL) and moves it in memory. */
interface MemberState {
  conversation_id: string;
  user_id: string;
  last_delivered_seq: number;
  last_read_seq: number;
  marked_unread: number;
  last_seq: number;
  read_receipts: number;
  /** The watermarks as read, to see what moved at the end. */
  delivered0: number;
  read0: number;
}

export interface ReceiptBatcher {
  submit(request: ReceiptRequest): Promise<ReceiptResult>;
}

const batchers = new WeakMap<ApiDeps, ReceiptBatcher>();

/** The instance's receipt batcher (one per set of deps, created on first use). */
export function receiptBatcherOf(deps: ApiDeps): ReceiptBatcher {
  let batcher = batchers.get(deps);
  if (!batcher) {
    batcher = createReceiptBatcher(deps);
    batchers.set(deps, batcher);
  }
  return batcher;
}

/**
 * Group commit for receipts (`markDelivered` / `markRead`): the receipts that arrive while one
 * batch is written share the next transaction, so a burst of acks costs one transaction, one
 * locking read of the members and one event-log append, not ~12 statements each; on SQLite it
 * holds Kysely's one connection once per batch instead of once per ack, so sends do not queue
 * behind acks. Receipts of one member in one batch coalesce: its watermarks are written once,
 * with one receipt event, at their final (highest) values. Watermarks only move forward.
 */
export function createReceiptBatcher(deps: ApiDeps): ReceiptBatcher {
  let queue: Queued[] = [];
  let scheduled = false;
  let writing = false;

  function schedule(): void {
    if (scheduled || writing || queue.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    writing = true;
    try {
      await writeBatch(deps, batch);
    } finally {
      writing = false;
      schedule();
    }
  }

  return {
    submit(request) {
      return new Promise((resolve, reject) => {
        queue.push({ request, resolve, reject });
        schedule();
      });
    },
  };
}

async function writeBatch(deps: ApiDeps, batch: Queued[]): Promise<void> {
  let results: (ReceiptDto | { error: unknown })[] | undefined;
  for (let attempt = 1; results === undefined; attempt++) {
    try {
      results = await writeOnce(
        deps,
        batch.map((b) => b.request),
      );
    } catch (error) {
      if (isDeadlock(error) && attempt < DEADLOCK_ATTEMPTS) continue;
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // Something no check foresaw failed the shared transaction: each receipt alone.
      await Promise.all(batch.map((b) => writeBatch(deps, [b])));
      return;
    }
  }
  // The unread counts after the commit: one read per member, however many of its receipts.
  const views = new Map<string, Promise<{ unreadCount: number; unreadMentionCount: number }>>();
  for (const result of results) {
    if ('error' in result) continue;
    const k = memberKey(result.conversationId, result.userId);
    if (!views.has(k)) views.set(k, unreadOf(deps, result.conversationId, result.userId));
  }
  for (const [i, b] of batch.entries()) {
    const result = results[i]!;
    if ('error' in result) {
      b.reject(result.error);
      continue;
    }
    views
      .get(memberKey(result.conversationId, result.userId))!
      .then((view) => b.resolve({ ...result, ...view }), b.reject);
  }
}

async function unreadOf(deps: ApiDeps, conversationId: string, userId: string) {
  const view = await conversationsOf(deps.db, userId)
    .where('c.id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return {
    unreadCount: Number(view.unread_count),
    unreadMentionCount: Number(view.unread_mention_count),
  };
}

const memberKey = (conversationId: string, userId: string) => `${conversationId}\u0000${userId}`;

async function writeOnce(
  deps: ApiDeps,
  requests: ReceiptRequest[],
): Promise<(ReceiptDto | { error: unknown })[]> {
  const pending: PendingEvent[] = [];
  const emit = (p: PendingEvent) => pending.push(p);
  const { results, lastEventId } = await deps.db.transaction().execute(async (trx) => {
    const states = await lockedMembers(trx, requests);
    const now = nowIso(deps);
    const results: (ReceiptDto | { error: unknown })[] = [];
    for (const { userId, conversationId, upToSeq, kind } of requests) {
      const state = states.get(memberKey(conversationId, userId));
      if (!state) {
        results.push({ error: notFound('Conversation') });
        continue;
      }
      const target = Math.min(upToSeq ?? state.last_seq, state.last_seq);
      const read = kind === 'read' ? Math.max(state.last_read_seq, target) : state.last_read_seq;
      const delivered = Math.max(state.last_delivered_seq, kind === 'delivered' ? target : read);
      // Reading clears "marked unread", even when the watermark is already at the end.
      if (kind === 'read' && state.marked_unread === 1) {
        await updateMemberState(trx, emit, conversationId, userId, { marked_unread: 0 }, now);
        state.marked_unread = 0;
      }
      state.last_read_seq = read;
      state.last_delivered_seq = delivered;
      results.push({ conversationId, userId, lastDeliveredSeq: delivered, lastReadSeq: read });
    }
    for (const state of states.values()) await writeMoves(trx, emit, state, now);
    const rows = await appendEvents(
      trx,
      pending.map((p) => ({
        conversationId: 'conversationId' in p.event ? p.event.conversationId : null,
        userId: p.onlyUserId ?? null,
        type: p.event.type,
        payload: p.event,
        at: now,
      })),
    );
    return { results, lastEventId: rows.at(-1)?.id };
  });
  if (lastEventId) {
    deps.bus.publish({ kind: 'log', lastEventId }).catch((error: unknown) => {
      // Tailers also poll, so the events still go out, just later.
      deps.logger.error({ err: error, eventId: lastEventId }, 'event publish failed');
    });
  }
  return results;
}

/**
 * The members the receipts are for, with their conversation's last seq and whether they send
 * read receipts: one read, locking the member rows (PostgreSQL; in key order, so two instances'
 * batches never wait for each other in a cycle). SQLite has one writer.
 */
async function lockedMembers(
  trx: DbOrTx,
  requests: ReceiptRequest[],
): Promise<Map<string, MemberState>> {
  const keys = new Map(
    requests.map((r) => [memberKey(r.conversationId, r.userId), [r.conversationId, r.userId]]),
  );
  let query = trx
    .selectFrom('members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.conversation_id',
      'm.user_id',
      'm.last_delivered_seq',
      'm.last_read_seq',
      'm.marked_unread',
      'c.last_seq',
      'u.read_receipts',
    ])
    .where((eb) =>
      eb(
        eb.refTuple('m.conversation_id', 'm.user_id'),
        'in',
        [...keys.values()].map(([c, u]) => eb.tuple(c!, u!)),
      ),
    )
    .orderBy('m.conversation_id')
    .orderBy('m.user_id');
  if (dialectOf(trx) === 'postgres') query = query.forUpdate('m');
  const rows = await query.execute();
  return new Map(
    rows.map((r) => [
      memberKey(r.conversation_id, r.user_id),
      {
        ...r,
        marked_unread: Number(r.marked_unread),
        read_receipts: Number(r.read_receipts ?? 1),
        delivered0: r.last_delivered_seq,
        read0: r.last_read_seq,
      },
    ]),
  );
}

/** A member's watermarks as the batch left them: stored, recorded and announced once. */
async function writeMoves(
  trx: DbOrTx,
  emit: (p: PendingEvent) => void,
  state: MemberState,
  at: string,
): Promise<void> {
  const delivered = state.last_delivered_seq;
  const read = state.last_read_seq;
  if (delivered === state.delivered0 && read === state.read0) return;
  const { conversation_id: conversationId, user_id: userId } = state;
  await trx
    .updateTable('members')
    .set({ last_read_seq: read, last_delivered_seq: delivered })
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .execute();
  const moves = { conversationId, userId, at };
  if (delivered > state.delivered0) {
    await recordWatermarkMove(trx, { ...moves, kind: 'delivered', seq: delivered });
  }
  if (read > state.read0) {
    await recordWatermarkMove(trx, { ...moves, kind: 'read', seq: read });
  }
  const receipt = { conversationId, userId, lastDeliveredSeq: delivered, lastReadSeq: read };
  if (state.read_receipts === 1) {
    emit({ event: { type: 'receipt', ...receipt } });
  } else {
    // Read receipts off: the others learn only that it was delivered; the reader's own
    // devices get the real watermarks right after (a stream applies them in order).
    if (delivered !== state.delivered0) {
      emit({ event: { type: 'receipt', ...receipt, lastReadSeq: 0 } });
    }
    emit({ event: { type: 'receipt', ...receipt }, onlyUserId: userId });
  }
}
