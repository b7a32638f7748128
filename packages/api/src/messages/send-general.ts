import {
  allocateEventIds,
  type DbOrTx,
  type EventRow,
  type FileRow,
  insertEvents,
  isDeadlock,
  type MessageRow,
} from '@parley/db';

import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { attachToMessage, requireOwnFiles } from '../files/attachments.ts';
import { toFileDto } from '../files/files.ts';
import { queuePreviewJob } from '../link-previews/jobs.ts';
import type { DurableEvent } from '../live/events.ts';
import { DEADLOCK_ATTEMPTS, nowIso } from '../live/write.ts';
import { queueMessageNotifications } from '../notifications/queue.ts';
import { toMessageDto } from '../shared/mappers.ts';
import { bumpSeqs, messageRow } from './append.ts';
import { checkMentionedMembers, indexMentions } from './mentions.ts';
import type { BatchResult, MemberMark, PendingSend, SendOutcome } from './send-batch.ts';
import {
  checkNotBlocked,
  checkReplyTarget,
  conflictOrExisting,
  isDuplicateClientId,
  requireSender,
} from './send-rules.ts';
import { bumpThread, forwardSource, requireThreadRoot } from './thread-write.ts';

/**
 * A batch of sends through Kysely (PostgreSQL, or SQLite sends with attachments or offline
 * notifications): one transaction for the batch, a savepoint per send. Rows are locked in
 * conversation order, so two instances' batches never wait for each other in a cycle, and
 * the event-log lock is taken last, held only while ids are allocated, events inserted and
 * the transaction commits: other instances' batches do everything else meanwhile.
 */
export async function writeSendsGeneral(deps: ApiDeps, sends: PendingSend[]): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeBatch(deps, sends);
    } catch (error) {
      // A deadlock with a membership change (rows locked in the other order): run it again.
      if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

async function writeBatch(deps: ApiDeps, sends: PendingSend[]): Promise<BatchResult> {
  const at = nowIso(deps);
  const order = sends
    .map((_, i) => i)
    .sort((a, b) => {
      const x = sends[a]!.input.conversationId;
      const y = sends[b]!.input.conversationId;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
  return deps.db.transaction().execute(async (trx) => {
    const outcomes: SendOutcome[] = new Array(sends.length);
    const stored: { index: number; written: Stored }[] = [];
    let queued = 0;
    let previews = 0;
    for (const index of order) {
      const send = sends[index]!;
      await sql`savepoint send`.execute(trx);
      try {
        const written = await writeOne(trx, send, at);
        if (written.kind === 'stored') {
          queued += await queueMessageNotifications(deps, trx, [written.row], send.online);
          if (send.previewUrl) {
            await queuePreviewJob(trx, written.row.id, send.previewUrl, at);
            previews += 1;
          }
          stored.push({ index, written });
        } else {
          outcomes[index] = written;
        }
        await sql`release savepoint send`.execute(trx);
      } catch (error) {
        await sql`rollback to savepoint send`.execute(trx);
        // Another instance stored the same (sender, clientMessageId) while this one waited.
        const retry = isDuplicateClientId(error) ? await storedSend(trx, send) : undefined;
        outcomes[index] = retry
          ? conflictOrExisting(retry, send.input.conversationId)
          : { kind: 'failed', error };
      }
    }
    const total = stored.reduce((n, { written }) => n + 1 + written.extra.length, 0);
    const { previous, ids } = await allocateEventIds(trx, total, deps.clock.now());
    let next = 0;
    const events: EventRow[] = [];
    const logged = (conversationId: string, type: string, payload: string): string => {
      const id = ids[next++]!;
      events.push({
        id,
        conversation_id: conversationId,
        user_id: null,
        type,
        payload,
        message_id: null,
        created_at: at,
      });
      return id;
    };
    for (const { index, written } of stored) {
      const conversationId = written.row.conversation_id;
      const event = {
        type: 'message.created' as const,
        conversationId,
        message: toMessageDto(written.row, [], null, written.files.map(toFileDto)),
      };
      const payload = JSON.stringify(event);
      const eventId = logged(conversationId, event.type, payload);
      const extra = written.extra.map((more) => {
        const morePayload = JSON.stringify(more);
        return {
          eventId: logged(conversationId, more.type, morePayload),
          event: more,
          payload: morePayload,
        };
      });
      outcomes[index] = {
        kind: 'stored',
        row: written.row,
        files: written.files,
        others: written.members.filter((m) => m.user_id !== written.row.sender_id),
        recipients: written.members
          .filter((m) => m.joined_after_event_id < eventId)
          .map((m) => m.user_id),
        eventId,
        event,
        payload,
        extra,
      };
    }
    await insertEvents(trx, events);
    return { outcomes, previousEventId: previous, at, queued, previews };
  });
}

function storedSend(trx: DbOrTx, { senderId, input }: PendingSend) {
  return trx
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', senderId)
    .where('client_message_id', '=', input.clientMessageId)
    .executeTakeFirst();
}

type Stored = {
  kind: 'stored';
  row: MessageRow;
  files: FileRow[];
  members: MemberMark[];
  /** Events the send causes besides `message.created` (a thread root's update). */
  extra: DurableEvent[];
};
type Written = Stored | Exclude<SendOutcome, { kind: 'stored' }>;

async function writeOne(
  trx: DbOrTx,
  { senderId, input }: PendingSend,
  at: string,
): Promise<Written> {
  // Idempotency first: a retry must not need the conversation to accept a new message.
  const stored = await storedSend(trx, { senderId, input, online: null });
  if (stored) return conflictOrExisting(stored, input.conversationId);
  // The conversation's row first: it stays locked until commit, so the members read next are
  // the ones this message is sent to (a concurrent removal commits before or after it whole).
  const seq = (await bumpSeqs(trx, [input.conversationId], at)).get(input.conversationId);
  if (seq === undefined) throw notFound('Conversation');
  const members = await trx
    .selectFrom('members')
    .select([
      'user_id',
      'joined_seq',
      'joined_after_event_id',
      'last_delivered_seq',
      'last_read_seq',
    ])
    .where('conversation_id', '=', input.conversationId)
    .execute();
  const me = requireSender(members, senderId);
  if (members.length === 2) {
    // Direct chats (and groups of two) only: one indexed lookup; group sends skip it.
    const peer = members.find((m) => m.user_id !== senderId)?.user_id ?? '';
    const block = await trx
      .selectFrom('conversations as c')
      .innerJoin('blocks as b', (j) =>
        j.on((eb) =>
          eb.or([
            eb.and([eb('b.blocker_id', '=', senderId), eb('b.blocked_id', '=', peer)]),
            eb.and([eb('b.blocker_id', '=', peer), eb('b.blocked_id', '=', senderId)]),
          ]),
        ),
      )
      .select('b.blocker_id')
      .where('c.id', '=', input.conversationId)
      .where('c.type', '=', 'direct')
      .executeTakeFirst();
    checkNotBlocked(members, senderId, () => block?.blocker_id);
  }
  if (input.replyToId) {
    const target = await trx
      .selectFrom('messages')
      .select(['conversation_id', 'seq'])
      .where('id', '=', input.replyToId)
      .executeTakeFirst();
    checkReplyTarget(me, input.conversationId, target);
  }
  const mentions = input.mentions ?? null;
  if (mentions) {
    const memberIds = new Set(members.map((m) => m.user_id));
    await checkMentionedMembers(trx, input.conversationId, senderId, memberIds, mentions);
  }
  const root = input.threadRootId
    ? await requireThreadRoot(trx, me, input.conversationId, input.threadRootId)
    : null;
  const forward = input.forwardFromId
    ? await forwardSource(trx, senderId, input.forwardFromId)
    : null;
  const files = forward
    ? forward.files
    : await requireOwnFiles(trx, senderId, input.attachments ?? []);
  const row = messageRow(
    {
      conversationId: input.conversationId,
      senderId,
      clientMessageId: input.clientMessageId,
      kind: 'text',
      text: forward ? forward.text : input.text,
      replyToId: input.replyToId,
      mentions: mentions ? JSON.stringify(mentions) : null,
      forwarded: forward !== null,
      threadRootId: root?.id ?? null,
      inChannel: root ? input.alsoSendToConversation === true : true,
      at,
    },
    seq,
  );
  await trx.insertInto('messages').values(row).execute();
  await attachToMessage(trx, row.id, files, at);
  if (mentions) await indexMentions(trx, row, false);
  const extra = root ? [await bumpThread(trx, root, row)] : [];
  // The sender has obviously seen their own message.
  await trx
    .updateTable('members')
    .set({ last_read_seq: row.seq, last_delivered_seq: row.seq })
    .where('conversation_id', '=', input.conversationId)
    .where('user_id', '=', senderId)
    .execute();
  return { kind: 'stored', row, files, members, extra };
}
