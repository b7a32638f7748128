import type { ConversationRow, DbOrTx, MemberRole, MemberRow } from '@parley/db';
import { latestEventId } from '@parley/db';
import { DomainError, notFound } from '../errors.ts';
import { findMember } from '../shared/access.ts';

export interface GroupMembership {
  group: ConversationRow;
  member: MemberRow;
}

/**
 * The caller's membership of a group. NOT_FOUND for non-members, unknown ids and direct chats
 * alike, so nobody learns that a group exists. Call it inside the write transaction: the
 * event-log lock serializes group changes, so the role it reads cannot change underneath.
 */
export async function requireGroupMember(
  db: DbOrTx,
  groupId: string,
  userId: string,
): Promise<GroupMembership> {
  const group = await db
    .selectFrom('conversations')
    .selectAll()
    .where('id', '=', groupId)
    .where('type', '=', 'group')
    .executeTakeFirst();
  const member = group ? await findMember(db, groupId, userId) : undefined;
  if (!group || !member) throw notFound('Group');
  return { group, member };
}

/** As `requireGroupMember`, and FORBIDDEN unless the caller is an admin. */
export async function requireGroupAdmin(
  db: DbOrTx,
  groupId: string,
  userId: string,
): Promise<GroupMembership> {
  const membership = await requireGroupMember(db, groupId, userId);
  if (membership.member.role !== 'admin') {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Only group admins can do this' });
  }
  return membership;
}

/** How many members (of one role, if given) the group has. */
export async function memberCount(db: DbOrTx, groupId: string, role?: MemberRole): Promise<number> {
  let query = db
    .selectFrom('members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', groupId);
  if (role) query = query.where('role', '=', role);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** The membership of the user an admin action is about, or NOT_FOUND. */
export async function requireTarget(db: DbOrTx, groupId: string, userId: string) {
  const target = await findMember(db, groupId, userId);
  if (!target) throw notFound('Member');
  return target;
}

/** NOT_FOUND unless every id is a user. */
export async function requireUsers(db: DbOrTx, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const found = await db.selectFrom('users').select('id').where('id', 'in', userIds).execute();
  if (found.length !== userIds.length) throw notFound('User');
}

/**
 * Adds members who see the group from now on: messages after `lastSeq` (so the system message
 * announcing them is their first) and events after the log's current end. Their watermarks
 * start at `lastSeq`, so older messages never count as unread nor hold back others' receipts.
 */
export async function insertMembers(
  trx: DbOrTx,
  group: Pick<ConversationRow, 'id' | 'last_seq'>,
  members: { userId: string; role: MemberRow['role'] }[],
  now: string,
): Promise<void> {
  if (members.length === 0) return;
  // Every event committed after this read (this transaction's too) is allocated after it, so
  // sorts above it; a send that commits meanwhile lands before the members are added.
  const after = (await latestEventId(trx)) ?? '';
  await trx
    .insertInto('members')
    .values(
      members.map((m) => ({
        conversation_id: group.id,
        user_id: m.userId,
        role: m.role,
        joined_at: now,
        joined_seq: group.last_seq,
        joined_after_event_id: after,
        last_delivered_seq: group.last_seq,
        last_read_seq: group.last_seq,
      })),
    )
    .execute();
}
