import type { DbOrTx, MessageRow } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound, tooManyRequests } from '../errors.ts';
import { toFileDto } from '../files/files.ts';
import { previewUrlOf } from '../link-previews/jobs.ts';
import { maskReads, readHiddenFor } from '../privacy/privacy.ts';
import { requireMember, requireVisibleMessage } from '../shared/access.ts';
import { pageLimit } from '../shared/cursor.ts';
import { statusFor, toMessageDto } from '../shared/mappers.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { checkMentionRanges } from './mentions.ts';
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
export async function present(
  db: DbOrTx,
  viewerId: string,
  conversationId: string,
  rows: MessageRow[],
): Promise<MessageDto[]> {
  const withR = await withReactions(db, rows);
  const needsStatus = rows.some((r) => r.sender_id === viewerId);
  const members = needsStatus
    ? await db
        .selectFrom('members')
        .select(['user_id', 'last_delivered_seq', 'last_read_seq'])
        .where('conversation_id', '=', conversationId)
        .where('user_id', '<>', viewerId)
        .execute()
    : [];
  const hidden = await readHiddenFor(
    db,
    viewerId,
    members.map((m) => m.user_id),
  );
  const others = maskReads(members, (m) => m.user_id, hidden);
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
  const mentions = checkMentionRanges(input.text, input.mentions ?? undefined);
  return submitSend(deps, sends, senderId, { ...input, mentions });
}

/**
 * A checked send through the batcher: rate limit, then the group commit. A retry of a stored
 * message costs no point: the point is taken first (no lookup on the common path), given back
 * when the batch finds the message stored already, and a send over the limit is let through
 * only if it is such a retry.
 */
export async function submitSend(
  deps: ApiDeps,
  sends: SendBatcher,
  senderId: string,
  input: SendInput,
): Promise<MessageDto> {
  const rule = { name: 'send', ...deps.limits.sendRate };
  const decision = await deps.rateLimiter.consume(rule, senderId);
  if (!decision.allowed && !(await sends.isStored(senderId, input.clientMessageId))) {
    throw tooManyRequests(decision.retryAfterMs, 'Sending too fast, slow down');
  }
  const previewUrl = previewUrlOf(deps, input);
  // Who is online (for offline notifications) is asked per batch, by the batcher.
  const outcome = await sends.submit({ senderId, input, online: null, previewUrl });
  // The clientMessageId was stored already (here, or in another conversation: CONFLICT).
  const stored =
    outcome.kind === 'existing' ||
    (outcome.kind === 'failed' &&
      outcome.error instanceof DomainError &&
      outcome.error.code === 'CONFLICT');
  if (stored && decision.allowed) {
    // A point that cannot be given back (the store is unreachable) costs the sender one point;
    // it does not fail a send that is stored.
    await deps.rateLimiter.refund(rule, senderId).catch((error: unknown) => {
      deps.logger.warn({ err: error, userId: senderId }, 'rate-limit refund failed');
    });
  }
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
  /** A page centred on this seq (it and older messages first, then newer ones). */
  around?: number | null;
  /** As `around`, at this message's seq. */
  aroundMessageId?: string | null;
  limit?: number;
}

export interface HistoryPage {
  messages: MessageDto[];
  hasMore: boolean;
  /** Pages around a message only: whether newer messages follow the page. */
  hasMoreAfter?: boolean;
}

/**
 * A page of history by seq, oldest first. `before` pages back, `after` pages forward (catch
 * up), `around` / `aroundMessageId` opens a message in context, none gives the newest page.
 * `hasMore` says whether the same direction (older, for `around`) has more. Thread replies
 * not also sent to the conversation are left out (they page with `messages.thread`).
 */
export async function listMessages(
  deps: ApiDeps,
  userId: string,
  input: ListInput,
): Promise<HistoryPage> {
  const member = await requireMember(deps.db, input.conversationId, userId);
  const limit = pageLimit(deps.limits, input.limit);
  const base = () =>
    deps.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', input.conversationId)
      .where('seq', '>', member.joined_seq)
      .where('in_channel', '=', 1);
  let around = input.around ?? null;
  if (input.aroundMessageId) {
    const target = await deps.db
      .selectFrom('messages')
      .select(['seq', 'conversation_id'])
      .where('id', '=', input.aroundMessageId)
      .executeTakeFirst();
    if (
      !target ||
      target.conversation_id !== input.conversationId ||
      target.seq <= member.joined_seq
    ) {
      throw notFound('Message');
    }
    around = target.seq;
  }
  if (around !== null) {
    // Half the page up to and including the target, the rest after it.
    const olderCount = Math.max(1, Math.ceil(limit / 2));
    const older = await base()
      .where('seq', '<=', around)
      .orderBy('seq', 'desc')
      .limit(olderCount + 1)
      .execute();
    const newerCount = limit - Math.min(older.length, olderCount);
    const newer = await base()
      .where('seq', '>', around)
      .orderBy('seq', 'asc')
      .limit(newerCount + 1)
      .execute();
    const page = [...older.slice(0, olderCount).reverse(), ...newer.slice(0, newerCount)];
    return {
      messages: await present(deps.db, userId, input.conversationId, page),
      hasMore: older.length > olderCount,
      hasMoreAfter: newer.length > newerCount,
    };
  }
  let query = base();
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
