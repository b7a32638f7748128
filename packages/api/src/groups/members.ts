import type { DbOrTx, MemberRole } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { type Emit, nowIso, writeWithEvents } from '../live/write.ts';
import { consumeSendPoint } from '../messages/send-rate.ts';
import { conversationSummary } from '../shared/mappers.ts';
import {
  type GroupMembership,
  insertMembers,
  memberCount,
  requireGroupAdmin,
  requireGroupMember,
  requireTarget,
  requireUsers,
} from './access.ts';
import { postSystemMessage, systemPayload } from './system-messages.ts';

/**
 * Admins only. Users already in the group are skipped; the result lists who was added. Costs a
 * send point, like creating a group: both put a group into other people's lists.
 */
export async function addMembers(
  deps: ApiDeps,
  callerId: string,
  input: { groupId: string; userIds: string[] },
): Promise<{ addedUserIds: string[] }> {
  await consumeSendPoint(deps, callerId);
  return writeWithEvents(deps, async (trx, emit) => {
    const { group } = await requireGroupAdmin(trx, input.groupId, callerId);
    const present = await trx
      .selectFrom('members')
      .select('user_id')
      .where('conversation_id', '=', group.id)
      .where('user_id', 'in', input.userIds)
      .execute();
    const skip = new Set(present.map((m) => m.user_id));
    const added = [...new Set(input.userIds)].filter((id) => !skip.has(id));
    if (added.length === 0) return { addedUserIds: [] };
    await requireUsers(trx, added);
    if ((await memberCount(trx, group.id)) + added.length > deps.limits.groupMaxMembers) {
      throw new DomainError({
        code: 'PRECONDITION_FAILED',
        message: `A group has at most ${deps.limits.groupMaxMembers} members`,
      });
    }
    await insertMembers(
      trx,
      group,
      added.map((userId) => ({ userId, role: 'member' as const })),
      nowIso(deps),
    );
    emit({
      event: {
        type: 'member.joined',
        conversationId: group.id,
        userIds: added,
        actorId: callerId,
        conversation: conversationSummary(group),
      },
    });
    const payload = systemPayload('members_added', callerId, { userIds: added });
    await postSystemMessage(deps, trx, emit, group.id, callerId, payload);
    return { addedUserIds: added };
  });
}

/**
 * Deletes the membership, tells the remaining members and the user who is gone (their devices
 * get their own `member.left`, the last event of this group they receive), and records it.
 */
async function dropMember(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  { group }: GroupMembership,
  userId: string,
  actorId: string,
  reason: 'left' | 'removed',
): Promise<void> {
  await trx
    .deleteFrom('members')
    .where('conversation_id', '=', group.id)
    .where('user_id', '=', userId)
    .execute();
  const event = {
    type: 'member.left' as const,
    conversationId: group.id,
    userId,
    reason,
    actorId,
  };
  emit({ event });
  emit({ event, onlyUserId: userId });
  const payload =
    reason === 'left'
      ? systemPayload('member_left', actorId, { userIds: [userId] })
      : systemPayload('member_removed', actorId, { userIds: [userId] });
  await postSystemMessage(deps, trx, emit, group.id, actorId, payload);
}

/** Admins only; another admin may be removed too (the caller remains one). Self: use leave. */
export async function removeMember(
  deps: ApiDeps,
  callerId: string,
  input: { groupId: string; userId: string },
): Promise<void> {
  await writeWithEvents(deps, async (trx, emit) => {
    const membership = await requireGroupAdmin(trx, input.groupId, callerId);
    if (input.userId === callerId) {
      throw new DomainError({ code: 'BAD_REQUEST', message: 'Use leave to leave a group' });
    }
    await requireTarget(trx, input.groupId, input.userId);
    await dropMember(deps, trx, emit, membership, input.userId, callerId, 'removed');
  });
}

async function changeRole(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  groupId: string,
  change: { userId: string; role: MemberRole; actorId: string | null; senderId: string },
): Promise<void> {
  await trx
    .updateTable('members')
    .set({ role: change.role })
    .where('conversation_id', '=', groupId)
    .where('user_id', '=', change.userId)
    .execute();
  emit({
    event: {
      type: 'member.role_changed',
      conversationId: groupId,
      userId: change.userId,
      role: change.role,
      actorId: change.actorId,
    },
  });
  const payload = systemPayload('role_changed', change.actorId, {
    userIds: [change.userId],
    role: change.role,
  });
  await postSystemMessage(deps, trx, emit, groupId, change.senderId, payload);
}

/** Admins only. The same role again is a no-op; the last admin cannot step down. */
export async function setRole(
  deps: ApiDeps,
  callerId: string,
  input: { groupId: string; userId: string; role: MemberRole },
): Promise<{ conversationId: string; userId: string; role: MemberRole }> {
  await writeWithEvents(deps, async (trx, emit) => {
    await requireGroupAdmin(trx, input.groupId, callerId);
    const target = await requireTarget(trx, input.groupId, input.userId);
    if (target.role === input.role) return;
    if (input.role === 'member' && (await memberCount(trx, input.groupId, 'admin')) <= 1) {
      throw new DomainError({
        code: 'PRECONDITION_FAILED',
        message: 'A group needs at least one admin; make someone else admin first',
      });
    }
    await changeRole(deps, trx, emit, input.groupId, {
      ...input,
      actorId: callerId,
      senderId: callerId,
    });
  });
  return { conversationId: input.groupId, userId: input.userId, role: input.role };
}

/**
 * Any member may leave. When the last admin leaves, the longest-standing remaining member
 * (earliest join in log order; ties by user id) becomes admin, so a group never runs without one.
 */
export async function leaveGroup(
  deps: ApiDeps,
  callerId: string,
  input: { groupId: string },
): Promise<void> {
  await writeWithEvents(deps, (trx, emit) =>
    leaveGroupIn(deps, trx, emit, callerId, input.groupId),
  );
}

/** `leaveGroup` inside a caller's transaction (account deletion leaves every group). */
export async function leaveGroupIn(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  callerId: string,
  groupId: string,
): Promise<void> {
  const membership = await requireGroupMember(trx, groupId, callerId);
  await dropMember(deps, trx, emit, membership, callerId, callerId, 'left');
  if (membership.member.role !== 'admin') return;
  if ((await memberCount(trx, groupId, 'admin')) > 0) return;
  const successor = await trx
    .selectFrom('members')
    .select('user_id')
    .where('conversation_id', '=', groupId)
    .orderBy('joined_after_event_id')
    .orderBy('joined_at')
    .orderBy('user_id')
    .limit(1)
    .executeTakeFirst();
  if (!successor) return;
  await changeRole(deps, trx, emit, groupId, {
    userId: successor.user_id,
    role: 'admin',
    actorId: null,
    senderId: callerId,
  });
}
