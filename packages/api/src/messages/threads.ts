import type { ApiDeps } from '../deps.ts';
import { writeWithEvents } from '../live/write.ts';
import { requireVisibleMessage } from '../shared/access.ts';
import { pageLimit } from '../shared/cursor.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { present } from './messages.ts';

export interface ThreadPage {
  root: MessageDto;
  replies: MessageDto[];
  /** Whether more replies follow this page (page on with `after` = the last reply's seq). */
  hasMore: boolean;
  /** The caller's read state of this thread. */
  lastReadSeq: number;
  /** Replies by others after `lastReadSeq`. */
  unreadCount: number;
}

/** The root of the thread `messageId` belongs to (itself, or the root it replies in). */
async function threadRootOf(deps: ApiDeps, userId: string, messageId: string) {
  const { message } = await requireVisibleMessage(deps.db, messageId, userId);
  if (!message.thread_root_id) return message;
  return (await requireVisibleMessage(deps.db, message.thread_root_id, userId)).message;
}

async function threadReadState(deps: ApiDeps, userId: string, rootId: string) {
  const read = await deps.db
    .selectFrom('thread_reads')
    .select('last_read_seq')
    .where('user_id', '=', userId)
    .where('root_id', '=', rootId)
    .executeTakeFirst();
  const lastReadSeq = read?.last_read_seq ?? 0;
  const { n } = await deps.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('thread_root_id', '=', rootId)
    .where('seq', '>', lastReadSeq)
    .where('sender_id', '<>', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { lastReadSeq, unreadCount: Number(n) };
}

/** A thread's root and a page of its replies, oldest first, with the caller's read state. */
export async function getThread(
  deps: ApiDeps,
  userId: string,
  input: { messageId: string; after?: number | null; limit?: number },
): Promise<ThreadPage> {
  const root = await threadRootOf(deps, userId, input.messageId);
  const limit = pageLimit(deps.limits, input.limit);
  const rows = await deps.db
    .selectFrom('messages')
    .selectAll()
    .where('thread_root_id', '=', root.id)
    .where('seq', '>', input.after ?? 0)
    .orderBy('seq', 'asc')
    .limit(limit + 1)
    .execute();
  const [rootDto, ...replies] = await present(deps.db, userId, root.conversation_id, [
    root,
    ...rows.slice(0, limit),
  ]);
  return {
    root: rootDto!,
    replies,
    hasMore: rows.length > limit,
    ...(await threadReadState(deps, userId, root.id)),
  };
}

/**
 * Moves the caller's read mark of a thread forward (never back; to its latest reply when no
 * seq is given) and tells their other devices with `thread.read`.
 */
export async function readThread(
  deps: ApiDeps,
  userId: string,
  input: { messageId: string; upToSeq?: number | null },
): Promise<{ rootId: string; lastReadSeq: number; unreadCount: number }> {
  const root = await threadRootOf(deps, userId, input.messageId);
  await writeWithEvents(deps, async (trx, emit) => {
    const latest = await trx
      .selectFrom('messages')
      .select('thread_last_reply_seq')
      .where('id', '=', root.id)
      .executeTakeFirstOrThrow();
    const last = latest.thread_last_reply_seq ?? 0;
    const target = Math.min(input.upToSeq ?? last, last);
    const current = await trx
      .selectFrom('thread_reads')
      .select('last_read_seq')
      .where('user_id', '=', userId)
      .where('root_id', '=', root.id)
      .executeTakeFirst();
    if (current && current.last_read_seq >= target) return;
    if (current) {
      await trx
        .updateTable('thread_reads')
        .set({ last_read_seq: target })
        .where('user_id', '=', userId)
        .where('root_id', '=', root.id)
        .execute();
    } else {
      await trx
        .insertInto('thread_reads')
        .values({ user_id: userId, root_id: root.id, last_read_seq: target })
        .execute();
    }
    emit({
      event: {
        type: 'thread.read',
        conversationId: root.conversation_id,
        rootId: root.id,
        userId,
        lastReadSeq: target,
      },
      onlyUserId: userId,
    });
  });
  return { rootId: root.id, ...(await threadReadState(deps, userId, root.id)) };
}
