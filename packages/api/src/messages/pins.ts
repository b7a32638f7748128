import type { DbOrTx, MemberRow, MessageRow } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { postSystemMessage, systemPayload } from '../groups/system-messages.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { requireMember, requireVisibleMessage } from '../shared/access.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { present } from './messages.ts';

/** Most pinned messages one conversation holds. */
export const MAX_PINS = 50;

export interface PinDto {
  message: MessageDto;
  pinnedBy: string;
  pinnedAt: string;
}

/** Any member in a direct chat, only admins in a group; never a deleted or system message. */
async function requirePinnable(
  trx: DbOrTx,
  userId: string,
  messageId: string,
): Promise<{ message: MessageRow; member: MemberRow }> {
  const visible = await requireVisibleMessage(trx, messageId, userId);
  const conversation = await trx
    .selectFrom('conversations')
    .select('type')
    .where('id', '=', visible.message.conversation_id)
    .executeTakeFirstOrThrow();
  if (conversation.type === 'group' && visible.member.role !== 'admin') {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Only group admins can pin messages' });
  }
  if (visible.message.kind !== 'text') {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'System messages cannot be pinned' });
  }
  return visible;
}

/**
 * Pins a message: `message.pinned` plus a system message "X pinned a message". Pinning a
 * pinned message changes nothing (no event). The 51st pin is refused.
 */
export async function pinMessage(
  deps: ApiDeps,
  userId: string,
  messageId: string,
): Promise<PinDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    const { message } = await requirePinnable(trx, userId, messageId);
    if (message.deleted_at) {
      throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'Message was deleted' });
    }
    const existing = await trx
      .selectFrom('pins')
      .select('message_id')
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    if (existing) return;
    const { n } = await trx
      .selectFrom('pins')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('conversation_id', '=', message.conversation_id)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_PINS) {
      throw new DomainError({
        code: 'PRECONDITION_FAILED',
        message: `A conversation has at most ${MAX_PINS} pinned messages`,
      });
    }
    const at = nowIso(deps);
    await trx
      .insertInto('pins')
      .values({
        message_id: messageId,
        conversation_id: message.conversation_id,
        pinned_by: userId,
        pinned_at: at,
      })
      .execute();
    emit({
      event: {
        type: 'message.pinned',
        conversationId: message.conversation_id,
        messageId,
        userId,
        at,
      },
    });
    await postSystemMessage(
      deps,
      trx,
      emit,
      message.conversation_id,
      userId,
      systemPayload('message_pinned', userId, { messageId }),
    );
  });
  const pins = await loadPins(deps, userId, { messageId });
  return pins[0]!;
}

/** Unpins a message (same permissions as pinning); unpinning an unpinned message is a no-op. */
export async function unpinMessage(
  deps: ApiDeps,
  userId: string,
  messageId: string,
): Promise<{ messageId: string; pinned: boolean }> {
  await writeWithEvents(deps, async (trx, emit) => {
    const { message } = await requirePinnable(trx, userId, messageId);
    const removed = await trx
      .deleteFrom('pins')
      .where('message_id', '=', messageId)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) return;
    emit({
      event: {
        type: 'message.unpinned',
        conversationId: message.conversation_id,
        messageId,
        userId,
        at: nowIso(deps),
      },
    });
  });
  return { messageId, pinned: false };
}

/** A conversation's pinned messages, most recently pinned first (at most 50, one page). */
export async function listPins(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
): Promise<PinDto[]> {
  await requireMember(deps.db, conversationId, userId);
  return loadPins(deps, userId, { conversationId });
}

async function loadPins(
  deps: ApiDeps,
  userId: string,
  where: { conversationId: string } | { messageId: string },
): Promise<PinDto[]> {
  let query = deps.db
    .selectFrom('pins as p')
    .innerJoin('messages as x', 'x.id', 'p.message_id')
    .innerJoin('members as m', (j) =>
      j.onRef('m.conversation_id', '=', 'x.conversation_id').on('m.user_id', '=', userId),
    )
    .selectAll('x')
    .select(['p.pinned_by', 'p.pinned_at'])
    // Pins from before the caller joined stay out of sight, like the messages.
    .whereRef('x.seq', '>', 'm.joined_seq');
  query =
    'conversationId' in where
      ? query.where('p.conversation_id', '=', where.conversationId)
      : query.where('p.message_id', '=', where.messageId);
  const rows = await query.orderBy('p.pinned_at', 'desc').orderBy('p.message_id').execute();
  if (rows.length === 0) return [];
  const messages = await present(
    deps.db,
    userId,
    rows[0]!.conversation_id,
    rows.map(({ pinned_by: _, pinned_at: __, ...message }) => message),
  );
  return rows.map((r, i) => ({
    message: messages[i]!,
    pinnedBy: r.pinned_by,
    pinnedAt: r.pinned_at,
  }));
}
