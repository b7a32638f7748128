import type { DbOrTx, MemberRow, MessageRow } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound, tooManyRequests } from '../errors.ts';
import { attachToMessage, requireOwnFiles } from '../files/attachments.ts';
import { toFileDto } from '../files/files.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { onlineRecipients, queueMessageNotifications } from '../notifications/queue.ts';
import { requireMember, requireVisibleMessage } from '../shared/access.ts';
import { pageLimit } from '../shared/cursor.ts';
import { statusFor, toMessageDto } from '../shared/mappers.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { appendMessage } from './append.ts';
import { withReactions } from './queries.ts';

export interface SendInput {
  conversationId: string;
  clientMessageId: string;
  text: string;
  replyToId?: string | null;
  /** File ids (the sender's own uploads); with attachments the text may be empty. */
  attachments?: string[];
}

export function checkText(deps: ApiDeps, text: string, hasAttachments = false): void {
  if (text.trim().length === 0 && !hasAttachments) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'Message text is empty' });
  }
  if (text.length > deps.limits.messageMaxLength) {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: `Message text is longer than ${deps.limits.messageMaxLength} characters`,
    });
  }
}

/** Messages as one member sees them: sender-side status on their own messages. */
async function present(
  db: DbOrTx,
  viewerId: string,
  conversationId: string,
  rows: MessageRow[],
): Promise<MessageDto[]> {
  const withR = await withReactions(db, rows);
  const needsStatus = rows.some((r) => r.sender_id === viewerId);
  const others = needsStatus
    ? await db
        .selectFrom('members')
        .select(['last_delivered_seq', 'last_read_seq'])
        .where('conversation_id', '=', conversationId)
        .where('user_id', '<>', viewerId)
        .execute()
    : [];
  return withR.map(({ message, reactions, attachments }) =>
    toMessageDto(
      message,
      reactions,
      message.sender_id === viewerId ? statusFor(message.seq, others) : null,
      attachments,
    ),
  );
}

async function findByClientId(db: DbOrTx, senderId: string, clientMessageId: string) {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', senderId)
    .where('client_message_id', '=', clientMessageId)
    .executeTakeFirst();
}

/**
 * Idempotent per (sender, clientMessageId): a retry gets the stored message back. Retries are
 * checked before the rate limit, so resending after a lost reply never costs a second point.
 */
export async function sendMessage(
  deps: ApiDeps,
  senderId: string,
  input: SendInput,
): Promise<MessageDto> {
  const existing = await findByClientId(deps.db, senderId, input.clientMessageId);
  if (existing) return getStoredForRetry(deps, senderId, input, existing);
  const attachments = input.attachments ?? [];
  checkText(deps, input.text, attachments.length > 0);
  const decision = await deps.rateLimiter.consume(
    { name: 'send', ...deps.limits.sendRate },
    senderId,
  );
  if (!decision.allowed) {
    throw tooManyRequests(decision.retryAfterMs, 'Sending too fast, slow down');
  }
  const online = await onlineRecipients(deps, input.conversationId, senderId);
  let queued = 0;
  const row = await writeWithEvents(deps, async (trx, emit) => {
    const stored = await findByClientId(trx, senderId, input.clientMessageId);
    if (stored) return stored;
    const member = await requireMember(trx, input.conversationId, senderId);
    if (input.replyToId) await checkReplyTarget(trx, member, input.replyToId);
    const files = await requireOwnFiles(trx, senderId, attachments);
    const now = nowIso(deps);
    const message = await appendMessage(trx, {
      conversationId: input.conversationId,
      senderId,
      clientMessageId: input.clientMessageId,
      kind: 'text',
      text: input.text,
      replyToId: input.replyToId,
      at: now,
    });
    await attachToMessage(trx, message.id, files, now);
    // The sender has obviously seen their own message.
    await trx
      .updateTable('members')
      .set({ last_read_seq: message.seq, last_delivered_seq: message.seq })
      .where('conversation_id', '=', input.conversationId)
      .where('user_id', '=', senderId)
      .execute();
    queued = await queueMessageNotifications(deps, trx, [message], online);
    emit({
      event: {
        type: 'message.created',
        conversationId: input.conversationId,
        message: toMessageDto(message, [], null, files.map(toFileDto)),
      },
    });
    return message;
  });
  if (queued > 0) deps.notifications.queued.notify();
  const [dto] = await present(deps.db, senderId, input.conversationId, [row]);
  return dto!;
}

async function getStoredForRetry(
  deps: ApiDeps,
  senderId: string,
  input: SendInput,
  existing: MessageRow,
): Promise<MessageDto> {
  if (existing.conversation_id !== input.conversationId) {
    throw new DomainError({
      code: 'CONFLICT',
      message: 'clientMessageId was already used for another conversation',
    });
  }
  const [dto] = await present(deps.db, senderId, existing.conversation_id, [existing]);
  return dto!;
}

async function checkReplyTarget(trx: DbOrTx, member: MemberRow, replyToId: string) {
  const target = await trx
    .selectFrom('messages')
    .select(['conversation_id', 'seq'])
    .where('id', '=', replyToId)
    .executeTakeFirst();
  if (
    !target ||
    target.conversation_id !== member.conversation_id ||
    target.seq <= member.joined_seq
  ) {
    throw notFound('Reply target message');
  }
}

export interface ListInput {
  conversationId: string;
  before?: number | null;
  after?: number | null;
  limit?: number;
}

/**
 * A page of history by seq, oldest first. `before` pages back, `after` pages forward (catch
 * up), neither gives the newest page. `hasMore` says whether the same direction has more.
 */
export async function listMessages(
  deps: ApiDeps,
  userId: string,
  input: ListInput,
): Promise<{ messages: MessageDto[]; hasMore: boolean }> {
  const member = await requireMember(deps.db, input.conversationId, userId);
  const limit = pageLimit(deps.limits, input.limit);
  let query = deps.db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', input.conversationId)
    .where('seq', '>', member.joined_seq);
  const forward = input.after != null;
  if (forward) query = query.where('seq', '>', input.after!);
  if (input.before != null) query = query.where('seq', '<', input.before);
  const rows = await query
    .orderBy('seq', forward ? 'asc' : 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  if (!forward) page.reverse();
  return {
    messages: await present(deps.db, userId, input.conversationId, page),
    hasMore: rows.length > limit,
  };
}

export async function getMessage(
  deps: ApiDeps,
  userId: string,
  messageId: string,
): Promise<MessageDto> {
  const { message } = await requireVisibleMessage(deps.db, messageId, userId);
  const [dto] = await present(deps.db, userId, message.conversation_id, [message]);
  return dto!;
}
