import { type MessageRow, nextIds, preparedPerConnection, type SqliteConnection } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { messageCreatedByRef } from '../live/wire.ts';
import { nowIso } from '../live/write.ts';
import { toMessageDto } from '../shared/mappers.ts';
import { textMessageRow } from './append.ts';
import type { BatchResult, MemberMark, PendingSend, SendOutcome } from './send-batch.ts';
import {
  checkNotBlocked,
  checkReplyTarget,
  conflictOrExisting,
  requireSender,
} from './send-rules.ts';

function prepare(db: SqliteConnection) {
  return {
    // Transaction control prepared too: `exec` would parse the SQL again for every send.
    begin: db.prepare('begin immediate'),
    commit: db.prepare('commit'),
    savepoint: db.prepare('savepoint send'),
    release: db.prepare('release send'),
    rollbackTo: db.prepare('rollback to send'),
    lastEventId: db.prepare('select id from events order by id desc limit 1').pluck(),
    members: db.prepare<[string], MemberMark>(
      `select user_id, joined_seq, joined_after_event_id, last_delivered_seq, last_read_seq
       from members where conversation_id = ?`,
    ),
    // Two-member conversations only (see checkNotBlocked): the blocker, if the chat is direct
    // and either member blocked the other. Primary-key lookups on blocks.
    directBlocker: db
      .prepare<[string, string, string, string, string]>(
        `select b.blocker_id from conversations c
         join blocks b on (b.blocker_id = ? and b.blocked_id = ?)
           or (b.blocker_id = ? and b.blocked_id = ?)
         where c.id = ? and c.type = 'direct' limit 1`,
      )
      .pluck(),
    replyTarget: db.prepare<[string], { conversation_id: string; seq: number }>(
      'select conversation_id, seq from messages where id = ?',
    ),
    bumpSeq: db
      .prepare<[string, string, string]>(
        `update conversations set last_seq = last_seq + 1, last_message_at = ?, updated_at = ?
         where id = ? returning last_seq`,
      )
      .pluck(),
    insertMessage: db.prepare<[MessageRow]>(
      `insert into messages (id, conversation_id, seq, sender_id, client_message_id, kind, text,
         reply_to_id, created_at, edited_at, deleted_at, system)
       values (@id, @conversation_id, @seq, @sender_id, @client_message_id, @kind, @text,
         @reply_to_id, @created_at, @edited_at, @deleted_at, @system)`,
    ),
    byClientId: db.prepare<[string, string], MessageRow>(
      'select * from messages where sender_id = ? and client_message_id = ?',
    ),
    senderSeen: db.prepare<[number, number, string, string]>(
      `update members set last_read_seq = ?, last_delivered_seq = ?
       where conversation_id = ? and user_id = ?`,
    ),
    // A plain text message's event, stored by reference to its row (live/wire.ts).
    insertEvent: db.prepare<[string, string, string, string, string]>(
      `insert into events (id, conversation_id, user_id, type, payload, message_id, created_at)
       values (?, ?, null, 'message.created', ?, ?, ?)`,
    ),
  };
}

const statementsFor = preparedPerConnection(prepare);

/** Whether this (sender, clientMessageId) is stored (read on the same connection, no await). */
export function storedOnSqlite(db: SqliteConnection, senderId: string, clientMessageId: string) {
  return statementsFor(db).byClientId.get(senderId, clientMessageId) !== undefined;
}

/** A statement failed after a send had begun to write (not one of the checks): see below. */
class WriteFailed extends Error {}

/**
 * One synchronous transaction for a batch of text sends: nothing awaits while it runs, so no
 * other query can interleave, and SQLite's single writer makes commit order = event id order.
 *
 * A send checks everything first (membership, blocks, reply target, its clientMessageId) and
 * only then writes, so a send refused by a check has written nothing and fails alone with no
 * savepoint. A statement that fails after a send began to write (an I/O error, a constraint
 * the checks did not foresee) rolls the whole batch back, and the batch runs again with each
 * send in its own savepoint, where such a send fails alone. A savepoint on every send cost
 * the statement journal (each page a send touches copied first): a fifth of the time of a
 * send's statements (docs/benchmarks.md).
 */
export function writeSendsSqlite(
  deps: ApiDeps,
  db: SqliteConnection,
  sends: PendingSend[],
): BatchResult {
  try {
    return writeBatch(deps, db, sends, false);
  } catch (error) {
    if (!(error instanceof WriteFailed)) throw error;
    return writeBatch(deps, db, sends, true);
  }
}

function writeBatch(
  deps: ApiDeps,
  db: SqliteConnection,
  sends: PendingSend[],
  guarded: boolean,
): BatchResult {
  const st = statementsFor(db);
  const at = nowIso(deps);
  const outcomes: SendOutcome[] = [];
  st.begin.run();
  try {
    const previousEventId = (st.lastEventId.get() as string | undefined) ?? '';
    const eventIds = nextIds(previousEventId, sends.length, deps.clock.now());
    let next = 0;
    for (const { senderId, input } of sends) {
      let members: MemberMark[];
      try {
        members = st.members.all(input.conversationId);
        const me = requireSender(members, senderId);
        checkNotBlocked(
          members,
          senderId,
          (peer) =>
            st.directBlocker.get(senderId, peer, peer, senderId, input.conversationId) as
              | string
              | undefined,
        );
        if (input.replyToId) {
          checkReplyTarget(me, input.conversationId, st.replyTarget.get(input.replyToId));
        }
        // A retry, or the id used in another conversation (earlier in this batch too).
        const stored = st.byClientId.get(senderId, input.clientMessageId);
        if (stored) {
          outcomes.push(conflictOrExisting(stored, input.conversationId));
          continue;
        }
      } catch (error) {
        outcomes.push({ kind: 'failed', error });
        continue;
      }
      if (guarded) st.savepoint.run();
      try {
        const seq = st.bumpSeq.get(at, at, input.conversationId) as number;
        const row = textMessageRow(senderId, input, seq, at);
        st.insertMessage.run(row);
        // The sender has obviously seen their own message.
        st.senderSeen.run(seq, seq, input.conversationId, senderId);
        const eventId = eventIds[next++]!;
        const event = {
          type: 'message.created' as const,
          conversationId: input.conversationId,
          message: toMessageDto(row),
        };
        const { stored, full: payload } = messageCreatedByRef(input.conversationId, event.message);
        st.insertEvent.run(eventId, input.conversationId, stored, row.id, at);
        if (guarded) st.release.run();
        outcomes.push({
          kind: 'stored',
          row,
          files: [],
          others: members.filter((m) => m.user_id !== senderId),
          recipients: members
            .filter((m) => m.joined_after_event_id < eventId)
            .map((m) => m.user_id),
          eventId,
          event,
          payload,
        });
      } catch (error) {
        if (!guarded) throw new WriteFailed('a send failed while writing', { cause: error });
        st.rollbackTo.run();
        st.release.run();
        outcomes.push({ kind: 'failed', error });
      }
    }
    st.commit.run();
    return { outcomes, previousEventId, at, queued: 0 };
  } catch (error) {
    if (db.inTransaction) db.exec('rollback');
    throw error;
  }
}
