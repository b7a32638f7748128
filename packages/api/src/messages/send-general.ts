import {
  type DbOrTx,
  type FileRow,
  insertEvents,
  latestEventId,
  lockEventLog,
  type MessageRow,
  nextIds,
} from '@parley/db';

import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { attachToMessage, requireOwnFiles } from '../files/attachments.ts';
import { toFileDto } from '../files/files.ts';
import { queuePreviewJob } from '../link-previews/jobs.ts';
import { nowIso } from '../live/write.ts';
import { queueMessageNotifications } from '../notifications/queue.ts';
import { toMessageDto } from '../shared/mappers.ts';
import { appendMessage } from './append.ts';
import type { BatchResult, MemberMark, PendingSend, SendOutcome } from './send-batch.ts';
import { checkReplyTarget, conflictOrExisting, requireSender } from './send-rules.ts';

/**
 * A batch of sends through Kysely (PostgreSQL, or SQLite sends with attachments or offline
 * notifications): one transaction and one event-log lock for the batch, a savepoint per send.
 */
export async function writeSendsGeneral(deps: ApiDeps, sends: PendingSend[]): Promise<BatchResult> {
  const at = nowIso(deps);
  return deps.db.transaction().execute(async (trx) => {
    await lockEventLog(trx);
    const previousEventId = (await latestEventId(trx)) ?? '';
    const eventIds = nextIds(previousEventId, sends.length, deps.clock.now());
    const outcomes: SendOutcome[] = [];
    const events: { id: string; conversationId: string; payload: string }[] = [];
    let queued = 0;
    let previews = 0;
    for (const send of sends) {
      await sql`savepoint send`.execute(trx);
      try {
        const written = await writeOne(trx, send, at);
        if (written.kind === 'stored') {
          const eventId = eventIds[events.length]!;
          const event = {
            type: 'message.created' as const,
            conversationId: send.input.conversationId,
            message: toMessageDto(written.row, [], null, written.files.map(toFileDto)),
          };
          const payload = JSON.stringify(event);
          events.push({ id: eventId, conversationId: send.input.conversationId, payload });
          queued += await queueMessageNotifications(deps, trx, [written.row], send.online);
          if (send.previewUrl) {
            await queuePreviewJob(trx, written.row.id, send.previewUrl, at);
            previews += 1;
          }
          outcomes.push({
            kind: 'stored',
            row: written.row,
            files: written.files,
            others: written.members.filter((m) => m.user_id !== send.senderId),
            recipients: written.members
              .filter((m) => m.joined_after_event_id < eventId)
              .map((m) => m.user_id),
            eventId,
            event,
            payload,
          });
        } else {
          outcomes.push(written);
        }
        await sql`release savepoint send`.execute(trx);
      } catch (error) {
        await sql`rollback to savepoint send`.execute(trx);
        outcomes.push({ kind: 'failed', error });
      }
    }
    await insertEvents(
      trx,
      events.map((e) => ({
        id: e.id,
        conversation_id: e.conversationId,
        user_id: null,
        type: 'message.created',
        payload: e.payload,
        created_at: at,
      })),
    );
    return { outcomes, previousEventId, at, queued, previews };
  });
}

type Written =
  | { kind: 'stored'; row: MessageRow; files: FileRow[]; members: MemberMark[] }
  | Exclude<SendOutcome, { kind: 'stored' }>;

async function writeOne(
  trx: DbOrTx,
  { senderId, input }: PendingSend,
  at: string,
): Promise<Written> {
  // Idempotency first: a retry must not need the conversation to accept a new message.
  const stored = await trx
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', senderId)
    .where('client_message_id', '=', input.clientMessageId)
    .executeTakeFirst();
  if (stored) return conflictOrExisting(stored, input.conversationId);
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
  if (input.replyToId) {
    const target = await trx
      .selectFrom('messages')
      .select(['conversation_id', 'seq'])
      .where('id', '=', input.replyToId)
      .executeTakeFirst();
    checkReplyTarget(me, input.conversationId, target);
  }
  const files = await requireOwnFiles(trx, senderId, input.attachments ?? []);
  const row = await appendMessage(trx, {
    conversationId: input.conversationId,
    senderId,
    clientMessageId: input.clientMessageId,
    kind: 'text',
    text: input.text,
    replyToId: input.replyToId,
    at,
  });
  await attachToMessage(trx, row.id, files, at);
  // The sender has obviously seen their own message.
  await trx
    .updateTable('members')
    .set({ last_read_seq: row.seq, last_delivered_seq: row.seq })
    .where('conversation_id', '=', input.conversationId)
    .where('user_id', '=', senderId)
    .execute();
  return { kind: 'stored', row, files, members };
}
