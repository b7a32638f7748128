import { allocateEventIds, type DbOrTx, isDeadlock, type MessageRow } from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { messageCreatedByRef } from '../live/wire.ts';
import { DEADLOCK_ATTEMPTS, nowIso } from '../live/write.ts';
import { toMessageDto } from '../shared/mappers.ts';
import { textMessageRow } from './append.ts';
import type { BatchResult, MemberMark, PendingSend, SendOutcome } from './send-batch.ts';
import { writeSendsGeneral } from './send-general.ts';
import {
  checkNotBlocked,
  checkReplyTarget,
  conflictOrExisting,
  isDuplicateClientId,
  requireSender,
} from './send-rules.ts';

/** A member as the batch reads it, with whether they block the other member of a direct chat. */
type MemberOfBatch = MemberMark & { conversation_id: string; blocks_peer: boolean };

/**
 * A batch of PostgreSQL text sends as a few set-based statements, whatever the batch size:
 *
 * 1. one idempotency probe for every (sender, clientMessageId) of the batch;
 * 2. one locking read of the batch's conversations, in id order (their `last_seq`): a second
 *    instance's batch over the same conversations waits here, never in a cycle;
 * 3. one read of their members (after the lock, in a new snapshot, so a concurrent membership
 *    change is either wholly before or wholly after), with the direct-chat block check;
 * 4. (replies only) one read of the reply targets;
 * 5. the checks, in memory; seqs are assigned from the locked `last_seq`;
 * 6. one statement that bumps the conversations, inserts the messages and moves the senders'
 *    watermarks (data-modifying CTEs over `unnest` arrays);
 * 7. the event-log lock, the newest id and one insert of the events (`allocateEventIds`, last).
 *
 * A send that fails a check fails alone and takes no seq. A (sender, clientMessageId) stored by
 * another instance after the probe makes the insert fail as a whole: the batch runs again and
 * the probe then settles it from the stored row. Any other statement error (nothing the checks
 * foresaw) runs the batch through the general writer, whose savepoints isolate the bad send.
 */
export async function writeSendsPostgres(
  deps: ApiDeps,
  sends: PendingSend[],
): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeBatch(deps, sends);
    } catch (error) {
      if ((isDeadlock(error) || isDuplicateClientId(error)) && attempt < DEADLOCK_ATTEMPTS) {
        continue;
      }
      if (error instanceof SetBasedRefused || isDuplicateClientId(error)) {
        deps.logger.warn(
          { err: error instanceof SetBasedRefused ? error.cause : error, sends: sends.length },
          'send batch refused by the set-based writer: written through the general writer',
        );
        return writeSendsGeneral(deps, sends);
      }
      throw error;
    }
  }
}

/** A statement of the set-based write failed: the general writer isolates the culprit. */
class SetBasedRefused extends Error {}

const key = (senderId: string, clientMessageId: string) => `${senderId}\u0000${clientMessageId}`;

async function writeBatch(deps: ApiDeps, sends: PendingSend[]): Promise<BatchResult> {
  const at = nowIso(deps);
  return deps.db.transaction().execute(async (trx) => {
    const outcomes: SendOutcome[] = new Array(sends.length);
    // (sender, clientMessageId) -> its stored row: stored before, or by this batch.
    const stored = new Map<string, MessageRow>();
    for (const row of await probe(trx, sends)) {
      stored.set(key(row.sender_id, row.client_message_id), row);
    }
    const conversationIds = [...new Set(sends.map((s) => s.input.conversationId))].sort();
    const lastSeq = await lockConversations(trx, conversationIds);
    const members = await membersOf(trx, [...lastSeq.keys()]);
    const replyIds = sends.flatMap((s) => (s.input.replyToId ? [s.input.replyToId] : []));
    const replies = await replyTargets(trx, replyIds);

    const written: { index: number; row: MessageRow; members: MemberOfBatch[] }[] = [];
    const senderSeen = new Map<string, { conversationId: string; userId: string; seq: number }>();
    for (const [index, { senderId, input }] of sends.entries()) {
      const before = stored.get(key(senderId, input.clientMessageId));
      if (before) {
        outcomes[index] = conflictOrExisting(before, input.conversationId);
        continue;
      }
      try {
        const last = lastSeq.get(input.conversationId);
        const list = members.get(input.conversationId) ?? [];
        if (last === undefined) requireSender([], senderId);
        const me = requireSender(list, senderId);
        checkNotBlocked(list, senderId, (peer) => {
          if (list.find((m) => m.user_id === senderId)?.blocks_peer) return senderId;
          return list.find((m) => m.user_id === peer)?.blocks_peer ? peer : undefined;
        });
        if (input.replyToId) {
          checkReplyTarget(me, input.conversationId, replies.get(input.replyToId));
        }
        const seq = last! + 1;
        lastSeq.set(input.conversationId, seq);
        const row = textMessageRow(senderId, input, seq, at);
        stored.set(key(senderId, input.clientMessageId), row);
        written.push({ index, row, members: list });
        senderSeen.set(key(input.conversationId, senderId), {
          conversationId: input.conversationId,
          userId: senderId,
          seq,
        });
      } catch (error) {
        outcomes[index] = { kind: 'failed', error };
      }
    }
    if (written.length === 0) {
      return { outcomes, previousEventId: '', at, queued: 0 };
    }
    await writeRows(trx, at, lastSeq, written, [...senderSeen.values()]);

    const { previous, ids } = await allocateEventIds(trx, written.length, deps.clock.now());
    const events: { id: string; conversationId: string; stored: string; messageId: string }[] = [];
    for (const [i, { index, row, members: list }] of written.entries()) {
      const eventId = ids[i]!;
      const event = {
        type: 'message.created' as const,
        conversationId: row.conversation_id,
        message: toMessageDto(row),
      };
      const { stored, full: payload } = messageCreatedByRef(row.conversation_id, event.message);
      events.push({ id: eventId, conversationId: row.conversation_id, stored, messageId: row.id });
      outcomes[index] = {
        kind: 'stored',
        row,
        files: [],
        others: list.filter((m) => m.user_id !== row.sender_id),
        recipients: list.filter((m) => m.joined_after_event_id < eventId).map((m) => m.user_id),
        eventId,
        event,
        payload,
      };
    }
    // Stored by reference to the message rows (live/wire.ts).
    await sql`insert into events (id, conversation_id, user_id, type, payload, message_id, created_at)
      select e.id, e.conversation_id, null, 'message.created', e.payload, e.message_id, ${at}
      from unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.conversationId)}::text[],
        ${events.map((e) => e.stored)}::text[], ${events.map((e) => e.messageId)}::text[])
        as e(id, conversation_id, payload, message_id)`.execute(trx);
    return { outcomes, previousEventId: previous, at, queued: 0 };
  });
}

function probe(trx: DbOrTx, sends: PendingSend[]): Promise<MessageRow[]> {
  return sql<MessageRow>`select m.* from messages m
      join unnest(${sends.map((s) => s.senderId)}::text[],
        ${sends.map((s) => s.input.clientMessageId)}::text[]) as k(sender_id, client_message_id)
        on m.sender_id = k.sender_id and m.client_message_id = k.client_message_id`
    .execute(trx)
    .then((r) => r.rows);
}

/** Locks the conversations (in id order) until commit; their current `last_seq`. */
async function lockConversations(trx: DbOrTx, ids: string[]): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: string; last_seq: number }>`select id, last_seq
      from conversations where id = any(${ids}::text[]) order by id for update`.execute(trx);
  return new Map(rows.map((r) => [r.id, r.last_seq]));
}

/**
 * The members of the (locked) conversations. In a direct chat, `blocks_peer` says whether this
 * member blocked the other one (primary-key lookups on blocks).
 */
async function membersOf(trx: DbOrTx, ids: string[]): Promise<Map<string, MemberOfBatch[]>> {
  const byConversation = new Map<string, MemberOfBatch[]>();
  if (ids.length === 0) return byConversation;
  const { rows } = await sql<MemberOfBatch>`select m.conversation_id, m.user_id, m.joined_seq,
        m.joined_after_event_id, m.last_delivered_seq, m.last_read_seq,
        (c.type = 'direct' and exists (
          select 1 from members p join blocks b on b.blocker_id = m.user_id and b.blocked_id = p.user_id
          where p.conversation_id = m.conversation_id and p.user_id <> m.user_id)) as blocks_peer
      from members m join conversations c on c.id = m.conversation_id
      where m.conversation_id = any(${ids}::text[])`.execute(trx);
  for (const row of rows) {
    const list = byConversation.get(row.conversation_id);
    if (list) list.push(row);
    else byConversation.set(row.conversation_id, [row]);
  }
  return byConversation;
}

async function replyTargets(
  trx: DbOrTx,
  ids: string[],
): Promise<Map<string, { conversation_id: string; seq: number }>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; conversation_id: string; seq: number }>`select id,
      conversation_id, seq from messages where id = any(${ids}::text[])`.execute(trx);
  return new Map(rows.map((r) => [r.id, r]));
}

/** The conversations' new `last_seq`, the messages and the senders' watermarks: one statement. */
async function writeRows(
  trx: DbOrTx,
  at: string,
  lastSeq: Map<string, number>,
  written: { row: MessageRow }[],
  seen: { conversationId: string; userId: string; seq: number }[],
): Promise<void> {
  const bumped = [...new Set(written.map((w) => w.row.conversation_id))];
  const rows = written.map((w) => w.row);
  try {
    await sql`with bumped as (
        update conversations c set last_seq = v.last_seq, last_message_at = ${at}, updated_at = ${at}
        from unnest(${bumped}::text[], ${bumped.map((id) => lastSeq.get(id)!)}::int[])
          as v(id, last_seq)
        where c.id = v.id
      ), seen as (
        update members m set last_read_seq = greatest(m.last_read_seq, v.seq),
          last_delivered_seq = greatest(m.last_delivered_seq, v.seq)
        from unnest(${seen.map((s) => s.conversationId)}::text[], ${seen.map((s) => s.userId)}::text[],
          ${seen.map((s) => s.seq)}::int[]) as v(conversation_id, user_id, seq)
        where m.conversation_id = v.conversation_id and m.user_id = v.user_id
      )
      insert into messages (id, conversation_id, seq, sender_id, client_message_id, kind, text,
        reply_to_id, created_at)
      select r.id, r.conversation_id, r.seq, r.sender_id, r.client_message_id, 'text', r.text,
        r.reply_to_id, ${at}
      from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.conversation_id)}::text[],
        ${rows.map((r) => r.seq)}::int[], ${rows.map((r) => r.sender_id)}::text[],
        ${rows.map((r) => r.client_message_id)}::text[], ${rows.map((r) => r.text)}::text[],
        ${rows.map((r) => r.reply_to_id)}::text[])
        as r(id, conversation_id, seq, sender_id, client_message_id, text, reply_to_id)`.execute(
      trx,
    );
  } catch (error) {
    // A duplicate from another instance (the batch runs again) or a deadlock: as is.
    if (isDuplicateClientId(error) || isDeadlock(error)) throw error;
    throw new SetBasedRefused(String(error), { cause: error });
  }
}

/**
 * Which of these (sender, clientMessageId) pairs are stored: one statement for the pairs the
 * batcher's rate-limit check asks about in one tick.
 */
export async function storedPairs(
  db: DbOrTx,
  pairs: { senderId: string; clientMessageId: string }[],
): Promise<Set<string>> {
  const { rows } = await sql<{ sender_id: string; client_message_id: string }>`select
      m.sender_id, m.client_message_id from messages m
      join unnest(${pairs.map((p) => p.senderId)}::text[],
        ${pairs.map((p) => p.clientMessageId)}::text[]) as k(sender_id, client_message_id)
        on m.sender_id = k.sender_id and m.client_message_id = k.client_message_id`.execute(db);
  return new Set(rows.map((r) => key(r.sender_id, r.client_message_id)));
}

export { key as storedKey };
