import type { DbOrTx, MessageRow } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError, tooManyRequests } from '../errors.ts';
import { toFileDto } from '../files/files.ts';
import { previewUrlOf } from '../link-previews/jobs.ts';
import { onlineRecipients } from '../notifications/queue.ts';
import { requireMember, requireVisibleMessage } from '../shared/access.ts';
import { pageLimit } from '../shared/cursor.ts';
import { statusFor, toMessageDto } from '../shared/mappers.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { withReactions } from './queries.ts';
import type { SendBatcher, SendInput } from './send-batch.ts';

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

/**
 * Idempotent per (sender, clientMessageId): a retry gets the stored message back. Retries are
 * recognised before the rate limit, so resending after a lost reply never costs a second point.
 * The write itself goes through the instance's send batcher (group commit).
 */
export async function sendMessage(
  deps: ApiDeps,
  sends: SendBatcher,
  senderId: string,
  input: SendInput,
): Promise<MessageDto> {
  checkText(deps, input.text, (input.attachments?.length ?? 0) > 0);
  if (!(await sends.isStored(senderId, input.clientMessageId))) {
    const decision = await deps.rateLimiter.consume(
      { name: 'send', ...deps.limits.sendRate },
      senderId,
    );
    if (!decision.allowed) {
      throw tooManyRequests(decision.retryAfterMs, 'Sending too fast, slow down');
    }
  }
  const online = await onlineRecipients(deps, input.conversationId, senderId);
  const previewUrl = previewUrlOf(deps, input);
  const outcome = await sends.submit({ senderId, input, online, previewUrl });
  switch (outcome.kind) {
    case 'failed':
      throw outcome.error;
    case 'existing': {
      const [dto] = await present(deps.db, senderId, outcome.row.conversation_id, [outcome.row]);
      return dto!;
    }
    case 'stored':
      // Built from what the transaction wrote: nothing is read back.
      return toMessageDto(
        outcome.row,
        [],
        statusFor(outcome.row.seq, outcome.others),
        outcome.files.map(toFileDto),
      );
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
