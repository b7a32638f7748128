import type { DbOrTx } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { toUserDto } from '../shared/mappers.ts';
import type { UserDto } from '../shared/schemas.ts';

export interface BlockDto {
  user: UserDto;
  blockedAt: string;
}

/** The one answer a blocked sender gets: nothing about who blocked whom. */
export function cannotMessage(): DomainError {
  return new DomainError({ code: 'FORBIDDEN', message: 'You cannot message this user' });
}

/**
 * Blocks `userId`: they can no longer open or write to a direct chat with the caller, and
 * see none of the caller's presence, typing or read receipts (and the caller none of
 * theirs). Idempotent. Only the caller's own devices hear about it (`block.changed`).
 */
export async function blockUser(deps: ApiDeps, callerId: string, userId: string): Promise<void> {
  if (userId === callerId) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'You cannot block yourself' });
  }
  await writeWithEvents(deps, async (trx, emit) => {
    const user = await trx
      .selectFrom('users')
      .select('id')
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!user) throw notFound('User');
    const inserted = await trx
      .insertInto('blocks')
      .values({ blocker_id: callerId, blocked_id: userId, created_at: nowIso(deps) })
      .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
    emit({ event: { type: 'block.changed', userId, blocked: true }, onlyUserId: callerId });
  });
}

/** Lifts the caller's block of `userId` (idempotent; NOT_FOUND only for unknown users). */
export async function unblockUser(deps: ApiDeps, callerId: string, userId: string): Promise<void> {
  await writeWithEvents(deps, async (trx, emit) => {
    const removed = await trx
      .deleteFrom('blocks')
      .where('blocker_id', '=', callerId)
      .where('blocked_id', '=', userId)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) {
      const user = await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', userId)
        .executeTakeFirst();
      if (!user) throw notFound('User');
      return;
    }
    emit({ event: { type: 'block.changed', userId, blocked: false }, onlyUserId: callerId });
  });
}

/** The users the caller blocked, newest first. Nobody else can read this list. */
export async function listBlocks(deps: ApiDeps, callerId: string): Promise<BlockDto[]> {
  const rows = await deps.db
    .selectFrom('blocks')
    .innerJoin('users', 'users.id', 'blocks.blocked_id')
    .selectAll('users')
    .select('blocks.created_at as blocked_at')
    .where('blocks.blocker_id', '=', callerId)
    .orderBy('blocks.created_at', 'desc')
    .orderBy('users.id')
    .execute();
  return rows.map((r) => ({ user: toUserDto(r), blockedAt: r.blocked_at }));
}

/** Who `userId` blocked, and who blocked them: the people they exchange no signals with. */
export async function blockRelationsOf(
  db: DbOrTx,
  userId: string,
): Promise<{ blocked: Set<string>; blockedBy: Set<string> }> {
  const rows = await db
    .selectFrom('blocks')
    .select(['blocker_id', 'blocked_id'])
    .where((eb) => eb.or([eb('blocker_id', '=', userId), eb('blocked_id', '=', userId)]))
    .execute();
  const blocked = new Set<string>();
  const blockedBy = new Set<string>();
  for (const r of rows) {
    if (r.blocker_id === userId) blocked.add(r.blocked_id);
    else blockedBy.add(r.blocker_id);
  }
  return { blocked, blockedBy };
}

/** Whether either of two users blocked the other. */
export async function eitherBlocked(db: DbOrTx, a: string, b: string): Promise<boolean> {
  const row = await db
    .selectFrom('blocks')
    .select('blocker_id')
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]),
        eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)]),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

/** Of `userIds`, those `viewerId` exchanges no signals with (blocked either way). */
export async function hiddenFrom(db: DbOrTx, viewerId: string, userIds: string[]) {
  if (userIds.length === 0) return new Set<string>();
  const rows = await db
    .selectFrom('blocks')
    .select(['blocker_id', 'blocked_id'])
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', viewerId), eb('blocked_id', 'in', userIds)]),
        eb.and([eb('blocked_id', '=', viewerId), eb('blocker_id', 'in', userIds)]),
      ]),
    )
    .execute();
  return new Set(rows.map((r) => (r.blocker_id === viewerId ? r.blocked_id : r.blocker_id)));
}
