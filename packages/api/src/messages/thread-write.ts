import type { DbOrTx, FileRow, MessageRow } from '@parley/db';
import { DomainError, notFound } from '../errors.ts';
import type { DurableEvent } from '../live/events.ts';
import type { ThreadSummaryDto } from '../shared/schemas.ts';
import type { MemberMark } from './send-batch.ts';

// The parts of a send that open or continue a thread, or copy a forwarded message: run by
// the general (Kysely) writer only, so plain sends keep the prepared-statement path.

/** A thread's root: a visible, live, text message of this conversation that is no reply. */
export async function requireThreadRoot(
  trx: DbOrTx,
  me: MemberMark,
  conversationId: string,
  rootId: string,
): Promise<MessageRow> {
  const root = await trx
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', rootId)
    .executeTakeFirst();
  if (!root || root.conversation_id !== conversationId || root.seq <= me.joined_seq) {
    throw notFound('Thread root message');
  }
  if (root.thread_root_id !== null || root.kind !== 'text') {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: 'A thread starts at a text message that is not itself in a thread',
    });
  }
  if (root.deleted_at) {
    throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'Message was deleted' });
  }
  return root;
}

/** Counts a new reply on its root and says so with `thread.updated`. */
export async function bumpThread(
  trx: DbOrTx,
  root: MessageRow,
  reply: MessageRow,
): Promise<DurableEvent> {
  const participants: string[] = root.thread_participants
    ? JSON.parse(root.thread_participants)
    : [];
  if (!participants.includes(reply.sender_id)) participants.push(reply.sender_id);
  const thread: ThreadSummaryDto = {
    replyCount: root.thread_reply_count + 1,
    lastReplyAt: reply.created_at,
    lastReplySeq: reply.seq,
    participantIds: participants,
  };
  await trx
    .updateTable('messages')
    .set({
      thread_reply_count: thread.replyCount,
      thread_last_reply_at: thread.lastReplyAt,
      thread_last_reply_seq: thread.lastReplySeq,
      thread_participants: JSON.stringify(participants),
    })
    .where('id', '=', root.id)
    .execute();
  return { type: 'thread.updated', conversationId: root.conversation_id, rootId: root.id, thread };
}

/**
 * The message a forward copies: visible to the forwarder (member of its conversation, sent
 * after they joined), live, and not a system message. Its live attachments come with it.
 */
export async function forwardSource(
  trx: DbOrTx,
  userId: string,
  messageId: string,
): Promise<{ text: string; files: FileRow[] }> {
  const source = await trx
    .selectFrom('messages as x')
    .innerJoin('members as m', (j) =>
      j.onRef('m.conversation_id', '=', 'x.conversation_id').on('m.user_id', '=', userId),
    )
    .select(['x.id', 'x.text', 'x.kind', 'x.deleted_at', 'x.seq', 'm.joined_seq'])
    .where('x.id', '=', messageId)
    .executeTakeFirst();
  if (!source || source.seq <= source.joined_seq) throw notFound('Message');
  if (source.deleted_at || source.kind !== 'text') {
    throw new DomainError({
      code: 'PRECONDITION_FAILED',
      message: 'Deleted and system messages cannot be forwarded',
    });
  }
  const files = await trx
    .selectFrom('message_attachments as ma')
    .innerJoin('files as f', 'f.id', 'ma.file_id')
    .selectAll('f')
    .where('ma.message_id', '=', messageId)
    .where('f.deleted_at', 'is', null)
    .orderBy('ma.position')
    .execute();
  return { text: source.text, files };
}
