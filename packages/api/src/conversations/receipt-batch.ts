import {
  appendEvents,
  type DbOrTx,
  dialectOf,
  isDeadlock,
  type SqliteConnection,
} from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { CommittedEvent, EventHub } from '../live/hub.ts';
import type { Emit, PendingEvent } from '../live/write.ts';
import { DEADLOCK_ATTEMPTS, nowIso } from '../live/write.ts';
import type { ReceiptDto } from '../shared/schemas.ts';
import { unreadCountsOf } from './conversations.ts';
import { emitStateChanged, updateMemberState } from './organize.ts';
import type { ReceiptKind } from './receipt-history.ts';
import { coalesceSince, MAX_HISTORY_POINTS, recordWatermarkMove } from './receipt-history.ts';
import { writeReceiptsSqlite } from './receipt-sqlite.ts';

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
export interface MemberState {
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

/**
 * Group commit for receipts (`markDelivered` / `markRead`): the receipts that arrive while one
 * batch is written share the next transaction, so a burst of acks costs one transaction, one
 * read of the members and one event-log append, not ~12 statements each. Receipts of one
 * member in one batch coalesce: its watermarks are written once, with one receipt event, at
 * their final (highest) values. Watermarks only move forward.
 *
 * SQLite (`sqlite` given): one synchronous transaction of prepared statements, nothing awaited
 * while it holds the connection (`receipt-sqlite.ts`); its events go to this instance's
 * subscribers straight from the writer (`hub.deliverCommitted`), as sends do. A batch in which
 * a read clears a "marked unread" goes through Kysely (the member's state event is written by
 * `updateMemberState`, shared with the other organizing calls).
 *
 * PostgreSQL: a fixed number of statements whatever the batch's size: the locking read, one
 * set-based write of every move (`writeMovesPostgres`), the event ids and one events insert.
 * The answers' unread counts: on SQLite read in the writer's transaction, one prepared
 * statement per member; on PostgreSQL (and SQLite's general path) one read of all the batch's
 * members after the commit.
 */
export function createReceiptBatcher(
  deps: ApiDeps,
  hub: Pick<EventHub, 'deliverCommitted'>,
  sqlite: SqliteConnection | null,
): ReceiptBatcher {
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
      await writeBatch(batch);
    } finally {
      writing = false;
      schedule();
    }
  }

  async function write(requests: ReceiptRequest[]): Promise<ReceiptWrite> {
    if (sqlite) {
      // Holding Kysely's only connection guarantees no other transaction is open on it.
      const done = await deps.db
        .connection()
        .execute(async () => writeReceiptsSqlite(deps, sqlite, requests));
      if (done) return done;
    }
    return writeGeneral(deps, requests);
  }

  async function writeBatch(batch: Queued[]): Promise<void> {
    let written: ReceiptWrite | undefined;
    for (let attempt = 1; written === undefined; attempt++) {
      try {
        written = await write(batch.map((b) => b.request));
      } catch (error) {
        if (isDeadlock(error) && attempt < DEADLOCK_ATTEMPTS) continue;
        if (batch.length === 1) {
          batch[0]!.reject(error);
          return;
        }
        // Something no check foresaw failed the shared transaction: each receipt alone.
        await Promise.all(batch.map((b) => writeBatch([b])));
        return;
      }
    }
    const { results, lastEventId, handOver, views: counted } = written;
    if (handOver) hub.deliverCommitted(handOver.previousEventId, handOver.committed);
    if (lastEventId) {
      deps.bus.publish({ kind: 'log', lastEventId }).catch((error: unknown) => {
        // Tailers also poll, so the events still go out, just later.
        deps.logger.error({ err: error, eventId: lastEventId }, 'event publish failed');
      });
    }
    // The unread counts after the commit (unless the writer read them in its transaction):
    // one read for the batch, however many members.
    let views: UnreadViews;
    if (counted) views = counted;
    else {
      const members = new Map<string, { conversationId: string; userId: string }>();
      for (const result of results) {
        if ('error' in result) continue;
        members.set(memberKey(result.conversationId, result.userId), result);
      }
      try {
        views = await unreadCountsOf(deps.db, [...members.values()]);
      } catch (error) {
        for (const b of batch) b.reject(error);
        return;
      }
    }
    for (const [i, b] of batch.entries()) {
      const result = results[i]!;
      if ('error' in result) {
        b.reject(result.error);
        continue;
      }
      const view = views.get(memberKey(result.conversationId, result.userId));
      if (view) b.resolve({ ...result, ...view });
      else b.reject(notFound('Conversation'));
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

export const memberKey = (conversationId: string, userId: string) =>
  `${conversationId}\u0000${userId}`;

/** Members' unread counts, keyed by `memberKey`. */
type UnreadViews = Map<string, { unreadCount: number; unreadMentionCount: number }>;

/** What a batch did: each request's result, and its events. */
export interface ReceiptWrite {
  results: (ReceiptDto | { error: unknown })[];
  /** The newest event id the batch appended (none when nothing moved). */
  lastEventId: string | undefined;
  /**
   * The batch's events with their recipients, and the newest event id before them, when the
   * writer has them at hand (SQLite): this instance's subscribers get them without a re-read.
   */
  handOver?: { previousEventId: string; committed: CommittedEvent[] };
  /** The members' unread counts, when the writer read them inside its transaction (SQLite). */
  views?: UnreadViews;
}

/**
 * The batch's requests applied to the members' states, in memory: each request's result, and
 * the members whose "marked unread" a read clears (in the order their reads came). Watermarks
 * only move forward, never past the conversation's last message; read implies delivered.
 */
export function applyReceipts(
  requests: ReceiptRequest[],
  states: Map<string, MemberState>,
): { results: (ReceiptDto | { error: unknown })[]; cleared: MemberState[] } {
  const results: (ReceiptDto | { error: unknown })[] = [];
  const cleared: MemberState[] = [];
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
      state.marked_unread = 0;
      cleared.push(state);
    }
    state.last_read_seq = read;
    state.last_delivered_seq = delivered;
    results.push({ conversationId, userId, lastDeliveredSeq: delivered, lastReadSeq: read });
  }
  return { results, cleared };
}

/** Through Kysely: PostgreSQL, and SQLite batches that clear a "marked unread". */
async function writeGeneral(deps: ApiDeps, requests: ReceiptRequest[]): Promise<ReceiptWrite> {
  const pending: PendingEvent[] = [];
  const emit = (p: PendingEvent) => pending.push(p);
  return deps.db.transaction().execute(async (trx) => {
    const states = await lockedMembers(trx, requests);
    const now = nowIso(deps);
    const { results, cleared } = applyReceipts(requests, states);
    if (dialectOf(trx) === 'postgres') {
      await writeMovesPostgres(trx, emit, [...states.values()], cleared, now);
    } else {
      for (const state of cleared) {
        const { conversation_id: conversationId, user_id: userId } = state;
        await updateMemberState(trx, emit, conversationId, userId, { marked_unread: 0 }, now);
      }
      for (const state of states.values()) await writeMoves(trx, state, now);
    }
    for (const state of states.values()) emitReceipt(emit, state);
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

export const moved = (state: MemberState) =>
  state.last_delivered_seq !== state.delivered0 || state.last_read_seq !== state.read0;

/** A member's watermarks as the batch left them, stored and recorded once (SQLite). */
async function writeMoves(trx: DbOrTx, state: MemberState, at: string): Promise<void> {
  if (!moved(state)) return;
  const delivered = state.last_delivered_seq;
  const read = state.last_read_seq;
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
}

/**
 * All the batch's watermark moves, their history points and the "marked unread" it clears, in
 * one statement (PostgreSQL; the member rows are locked): data-modifying CTEs over `unnest`
 * arrays, as `recordWatermarkMove` does one point at a time. Emits the cleared members' new
 * state (read back by the same statement, as `updateMemberState` does).
 */
async function writeMovesPostgres(
  trx: DbOrTx,
  emit: Emit,
  states: MemberState[],
  cleared: MemberState[],
  at: string,
): Promise<void> {
  const clears = new Set(cleared);
  const rows = states.filter((s) => moved(s) || clears.has(s));
  if (rows.length === 0) return;
  const points = rows.flatMap((s) => [
    ...(s.last_delivered_seq > s.delivered0
      ? [{ state: s, kind: 'delivered', seq: s.last_delivered_seq }]
      : []),
    ...(s.last_read_seq > s.read0 ? [{ state: s, kind: 'read', seq: s.last_read_seq }] : []),
  ]);
  const { rows: after } = await sql<{
    conversation_id: string;
    user_id: string;
    archived_seq: number | null;
    pinned_at: string | null;
    muted_until: string | null;
    last_seq: number;
  }>`with v as (
      select * from unnest(${rows.map((s) => s.conversation_id)}::text[],
        ${rows.map((s) => s.user_id)}::text[], ${rows.map((s) => s.last_delivered_seq)}::int[],
        ${rows.map((s) => s.last_read_seq)}::int[], ${rows.map((s) => clears.has(s))}::boolean[])
        as v(conversation_id, user_id, delivered, read, clear_unread)
    ), moved as (
      update members m set last_delivered_seq = greatest(m.last_delivered_seq, v.delivered),
        last_read_seq = greatest(m.last_read_seq, v.read),
        marked_unread = case when v.clear_unread then 0 else m.marked_unread end
      from v where m.conversation_id = v.conversation_id and m.user_id = v.user_id
      returning m.conversation_id, m.user_id, m.archived_seq, m.pinned_at, m.muted_until,
        v.clear_unread
    ), p as (
      select p.*, l.seq as latest_seq, coalesce(l.at collate "C" > ${coalesceSince(at)}, false)
          as coalesces
      from unnest(${points.map((p) => p.state.conversation_id)}::text[],
        ${points.map((p) => p.state.user_id)}::text[], ${points.map((p) => p.kind)}::text[],
        ${points.map((p) => p.seq)}::int[]) as p(conversation_id, user_id, kind, seq)
      left join lateral (select h.seq, h.at from receipt_history h
        where h.conversation_id = p.conversation_id and h.user_id = p.user_id and h.kind = p.kind
        order by h.seq desc limit 1) l on true
    ), coalesced as (
      update receipt_history h set seq = p.seq, at = ${at}
      from p where p.coalesces and h.conversation_id = p.conversation_id
        and h.user_id = p.user_id and h.kind = p.kind and h.seq = p.latest_seq
    ), inserted as (
      insert into receipt_history (conversation_id, user_id, kind, seq, at)
      select p.conversation_id, p.user_id, p.kind, p.seq, ${at} from p where not p.coalesces
      on conflict do nothing
    ), trimmed as (
      delete from receipt_history h using (
        select r.conversation_id, r.user_id, r.kind, r.seq from (
          select k.conversation_id, k.user_id, k.kind, k.seq, row_number() over (
            partition by k.conversation_id, k.user_id, k.kind order by k.seq desc) as n
          from receipt_history k join p on not p.coalesces
            and k.conversation_id = p.conversation_id and k.user_id = p.user_id and k.kind = p.kind
        ) r where r.n >= ${MAX_HISTORY_POINTS}
      ) d
      where h.conversation_id = d.conversation_id and h.user_id = d.user_id and h.kind = d.kind
        and h.seq = d.seq
    )
    select mv.conversation_id, mv.user_id, mv.archived_seq, mv.pinned_at, mv.muted_until,
      c.last_seq
    from moved mv join conversations c on c.id = mv.conversation_id
    where mv.clear_unread`.execute(trx);
  const fresh = new Map(after.map((r) => [memberKey(r.conversation_id, r.user_id), r]));
  for (const state of cleared) {
    const row = fresh.get(memberKey(state.conversation_id, state.user_id))!;
    emitStateChanged(emit, state.conversation_id, state.user_id, { ...row, marked_unread: 0 }, at);
  }
}

/** The receipt event(s) of a member whose watermarks the batch moved. */
export function emitReceipt(emit: Emit, state: MemberState): void {
  if (!moved(state)) return;
  const { conversation_id: conversationId, user_id: userId } = state;
  const delivered = state.last_delivered_seq;
  const receipt = {
    conversationId,
    userId,
    lastDeliveredSeq: delivered,
    lastReadSeq: state.last_read_seq,
  };
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
