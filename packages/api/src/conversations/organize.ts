import type { DbOrTx, MembersTable } from '@parley/db';
import type { Updateable } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { type Emit, nowIso, writeWithEvents } from '../live/write.ts';
import { requireMember } from '../shared/access.ts';
import type { ConversationDto } from '../shared/schemas.ts';
import { getConversation, isArchived } from './conversations.ts';

/** Pinned conversations per user. */
export const MAX_PINNED = 5;

export type OrganizeAction = 'archive' | 'unarchive' | 'pin' | 'unpin' | 'markUnread';

/**
 * Changes the caller's own organizing state of a conversation and tells their other devices
 * (`conversation.state_changed`, to the caller only). Archiving unpins; pinning unarchives.
 */
export async function organizeConversation(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
  action: OrganizeAction,
): Promise<ConversationDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    const member = await requireMember(trx, conversationId, userId);
    const conversation = await trx
      .selectFrom('conversations')
      .select('last_seq')
      .where('id', '=', conversationId)
      .executeTakeFirstOrThrow();
    const now = nowIso(deps);
    let set: Updateable<MembersTable>;
    switch (action) {
      case 'archive':
        set = { archived_seq: conversation.last_seq, pinned_at: null };
        break;
      case 'unarchive':
        set = { archived_seq: null };
        break;
      case 'pin': {
        if (member.pinned_at !== null) return;
        const pinned = await trx
          .selectFrom('members')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .where('pinned_at', 'is not', null)
          .executeTakeFirstOrThrow();
        if (Number(pinned.n) >= MAX_PINNED) {
          throw new DomainError({
            code: 'PRECONDITION_FAILED',
            message: `At most ${MAX_PINNED} conversations can be pinned`,
          });
        }
        set = { pinned_at: now, archived_seq: null };
        break;
      }
      case 'unpin':
        set = { pinned_at: null };
        break;
      case 'markUnread':
        set = { marked_unread: 1 };
        break;
    }
    await updateMemberState(trx, emit, conversationId, userId, set, now);
  });
  return getConversation(deps, userId, conversationId);
}

/**
 * Writes a change to the caller's membership row and emits the resulting state to the caller
 * (all their devices). Used by organizing, mute and read (which clears "marked unread").
 */
export async function updateMemberState(
  trx: DbOrTx,
  emit: Emit,
  conversationId: string,
  userId: string,
  set: Updateable<MembersTable>,
  now: string,
): Promise<void> {
  await trx
    .updateTable('members')
    .set(set)
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .execute();
  const row = await trx
    .selectFrom('members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select(['m.archived_seq', 'm.pinned_at', 'm.marked_unread', 'm.muted_until', 'c.last_seq'])
    .where('m.conversation_id', '=', conversationId)
    .where('m.user_id', '=', userId)
    .executeTakeFirstOrThrow();
  emitStateChanged(emit, conversationId, userId, row, now);
}

/** The caller's membership state as `row` has it, to all their devices. */
export function emitStateChanged(
  emit: Emit,
  conversationId: string,
  userId: string,
  row: {
    archived_seq: number | null;
    pinned_at: string | null;
    marked_unread: number;
    muted_until: string | null;
    last_seq: number;
  },
  now: string,
): void {
  const muted = row.muted_until !== null && row.muted_until > now;
  emit({
    onlyUserId: userId,
    event: {
      type: 'conversation.state_changed',
      conversationId,
      archived: isArchived(row, now),
      pinnedAt: row.pinned_at,
      markedUnread: row.marked_unread === 1,
      mutedUntil: muted ? row.muted_until : null,
    },
  });
}
