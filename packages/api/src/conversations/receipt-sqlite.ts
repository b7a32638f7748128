import { nextIds, preparedPerConnection, type SqliteConnection } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import type { DurableEvent } from '../live/events.ts';
import type { CommittedEvent } from '../live/hub.ts';
import { streamEventOf } from '../live/wire.ts';
import { nowIso, type PendingEvent } from '../live/write.ts';
import { unreadCountStatement } from './conversations.ts';
import {
  applyReceipts,
  emitReceipt,
  type MemberState,
  memberKey,
  moved,
  type ReceiptRequest,
  type ReceiptWrite,
} from './receipt-batch.ts';
import { coalescesWith, MAX_HISTORY_POINTS, type ReceiptKind } from './receipt-history.ts';

type Statements = ReturnType<typeof prepare>;

type StateRow = Omit<MemberState, 'delivered0' | 'read0'>;
type Point = { seq: number; at: string };

function prepare(db: SqliteConnection) {
  return {
    begin: db.prepare('begin immediate'),
    commit: db.prepare('commit'),
    lastEventId: db.prepare('select id from events order by id desc limit 1').pluck(),
    state: db.prepare<[string, string], StateRow>(
      `select m.conversation_id, m.user_id, m.last_delivered_seq, m.last_read_seq,
         m.marked_unread, c.last_seq, coalesce(u.read_receipts, 1) as read_receipts
       from members m
       join conversations c on c.id = m.conversation_id
       join users u on u.id = m.user_id
       where m.conversation_id = ? and m.user_id = ?`,
    ),
    members: db.prepare<[string]>('select user_id from members where conversation_id = ?').pluck(),
    setWatermarks: db.prepare<[number, number, string, string]>(
      `update members set last_delivered_seq = ?, last_read_seq = ?
       where conversation_id = ? and user_id = ?`,
    ),
    // The history of watermark moves, as recordWatermarkMove keeps it (receipt-history.ts).
    latestPoint: db.prepare<[string, string, string], Point>(
      `select seq, at from receipt_history
       where conversation_id = ? and user_id = ? and kind = ?
       order by seq desc limit 1`,
    ),
    movePoint: db.prepare<[number, string, string, string, string, number]>(
      `update receipt_history set seq = ?, at = ?
       where conversation_id = ? and user_id = ? and kind = ? and seq = ?`,
    ),
    insertPoint: db.prepare<[string, string, string, number, string]>(
      `insert into receipt_history (conversation_id, user_id, kind, seq, at)
       values (?, ?, ?, ?, ?)`,
    ),
    cutoff: db
      .prepare<[string, string, string, number]>(
        `select seq from receipt_history
         where conversation_id = ? and user_id = ? and kind = ?
         order by seq desc limit 1 offset ?`,
      )
      .pluck(),
    trim: db.prepare<[string, string, string, number]>(
      `delete from receipt_history
       where conversation_id = ? and user_id = ? and kind = ? and seq <= ?`,
    ),
    storeUnread: db.prepare<[number, number, number, number, string, string]>(
      `update members set unread_cache = ?, unread_cache_seq = ?, unread_cache_read_seq = ?,
         unread_cache_epoch = ?
       where conversation_id = ? and user_id = ?`,
    ),
    insertEvent: db.prepare<[string, string | null, string | null, string, string, string]>(
      `insert into events (id, conversation_id, user_id, type, payload, message_id, created_at)
       values (?, ?, ?, ?, ?, null, ?)`,
    ),
  };
}

const statementsFor = preparedPerConnection(prepare);

type UnreadRow = {
  unread_count: number;
  unread_mention_count: number;
  last_seq: number;
  unread_epoch: number;
  last_read_seq: number;
  stored_seq: number;
};

/** The unread counts query for one member (the same SQL text on every SQLite connection). */
let unreadCount: ReturnType<typeof unreadCountStatement> | undefined;
const unreadStatementFor = preparedPerConnection((db) =>
  db.prepare<unknown[], UnreadRow>(unreadCount!.sql),
);

/**
 * A receipt batch on SQLite: one synchronous transaction of prepared statements (no await
 * while the connection is held, so nothing interleaves, and the single writer keeps commit
 * order = event id order). Per member moved: its watermarks, its history point(s), one receipt
 * event; the events come back with their recipients for the hub.
 *
 * Returns null, having written nothing, when a read clears a "marked unread" (rare: the
 * member's state event is written by the general path, with the other organizing calls).
 */
export function writeReceiptsSqlite(
  deps: ApiDeps,
  db: SqliteConnection,
  requests: ReceiptRequest[],
): ReceiptWrite | null {
  const st = statementsFor(db);
  unreadCount ??= unreadCountStatement(deps.db);
  const unread = unreadStatementFor(db);
  const at = nowIso(deps);
  st.begin.run();
  try {
    const states = new Map<string, MemberState>();
    for (const { conversationId, userId } of requests) {
      const key = memberKey(conversationId, userId);
      if (states.has(key)) continue;
      const row = st.state.get(conversationId, userId);
      if (!row) continue;
      states.set(key, {
        ...row,
        marked_unread: Number(row.marked_unread),
        read_receipts: Number(row.read_receipts),
        delivered0: row.last_delivered_seq,
        read0: row.last_read_seq,
      });
    }
    const { results, cleared } = applyReceipts(requests, states);
    if (cleared.length > 0) {
      db.exec('rollback');
      return null;
    }
    const pending: PendingEvent[] = [];
    for (const state of states.values()) {
      if (!moved(state)) continue;
      const { conversation_id: conversationId, user_id: userId } = state;
      st.setWatermarks.run(state.last_delivered_seq, state.last_read_seq, conversationId, userId);
      if (state.last_delivered_seq > state.delivered0) {
        recordMove(st, conversationId, userId, 'delivered', state.last_delivered_seq, at);
      }
      if (state.last_read_seq > state.read0) {
        recordMove(st, conversationId, userId, 'read', state.last_read_seq, at);
      }
      emitReceipt((p) => pending.push(p), state);
    }
    const previousEventId = (st.lastEventId.get() as string | undefined) ?? '';
    const ids = nextIds(previousEventId, pending.length, deps.clock.now());
    const committed: CommittedEvent[] = [];
    const members = new Map<string, string[]>();
    const membersOf = (conversationId: string): string[] => {
      let userIds = members.get(conversationId);
      if (!userIds) {
        userIds = st.members.all(conversationId) as string[];
        members.set(conversationId, userIds);
      }
      return userIds;
    };
    for (const [i, { event, onlyUserId }] of pending.entries()) {
      const id = ids[i]!;
      const conversationId = 'conversationId' in event ? event.conversationId : null;
      const payload = JSON.stringify(event);
      st.insertEvent.run(id, conversationId, onlyUserId ?? null, event.type, payload, at);
      // Every member now joined before this event, which is newer than any id so far.
      const recipients = onlyUserId ? [onlyUserId] : membersOf(conversationId ?? '');
      committed.push({
        event: streamEventOf(id, payload, at, event as DurableEvent),
        recipients,
      });
    }
    // The members' unread counts as this transaction leaves them (the answer to each call).
    const views: ReceiptWrite['views'] = new Map();
    for (const result of results) {
      if ('error' in result) continue;
      const key = memberKey(result.conversationId, result.userId);
      if (views.has(key)) continue;
      const row = unread.get(unreadCount.parameters(result.conversationId, result.userId));
      if (!row) continue;
      // Stored, so the next count reads only the messages after this one.
      if (row.stored_seq !== row.last_seq) {
        st.storeUnread.run(
          row.unread_count,
          row.last_seq,
          row.last_read_seq,
          row.unread_epoch,
          result.conversationId,
          result.userId,
        );
      }
      views.set(key, {
        unreadCount: Number(row.unread_count),
        unreadMentionCount: Number(row.unread_mention_count),
      });
    }
    st.commit.run();
    return {
      results,
      lastEventId: ids.at(-1),
      handOver: { previousEventId, committed },
      views,
    };
  } catch (error) {
    if (db.inTransaction) db.exec('rollback');
    throw error;
  }
}

/** recordWatermarkMove (receipt-history.ts) with this connection's prepared statements. */
function recordMove(
  st: Statements,
  conversationId: string,
  userId: string,
  kind: ReceiptKind,
  seq: number,
  at: string,
): void {
  const latest = st.latestPoint.get(conversationId, userId, kind);
  if (latest && coalescesWith(latest.at, at)) {
    st.movePoint.run(seq, at, conversationId, userId, kind, latest.seq);
    return;
  }
  st.insertPoint.run(conversationId, userId, kind, seq, at);
  const cutoff = st.cutoff.get(conversationId, userId, kind, MAX_HISTORY_POINTS) as
    | number
    | undefined;
  if (cutoff !== undefined) st.trim.run(conversationId, userId, kind, cutoff);
}
