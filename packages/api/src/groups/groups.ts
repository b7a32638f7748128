import type { ConversationRow } from '@parley/db';
import { newId } from '@parley/db';
import { getConversation } from '../conversations/conversations.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { requireAvatarImage } from '../files/attachments.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { consumeSendPoint } from '../messages/send-rate.ts';
import { conversationSummary } from '../shared/mappers.ts';
import type { ConversationDto } from '../shared/schemas.ts';
import { insertMembers, requireGroupAdmin, requireUsers } from './access.ts';
import { postSystemMessage, systemPayload } from './system-messages.ts';

export interface CreateGroupInput {
  name: string;
  userIds: string[];
  description?: string | null;
  avatarFileId?: string | null;
}

/** The caller creates the group as its first admin; everyone else joins as a member. */
export async function createGroup(
  deps: ApiDeps,
  callerId: string,
  input: CreateGroupInput,
): Promise<ConversationDto> {
  const others = [...new Set(input.userIds)].filter((id) => id !== callerId);
  if (others.length + 1 > deps.limits.groupMaxMembers) {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: `A group has at most ${deps.limits.groupMaxMembers} members`,
    });
  }
  await consumeSendPoint(deps, callerId);
  const id = await writeWithEvents(deps, async (trx, emit) => {
    await requireUsers(trx, others);
    const now = nowIso(deps);
    // The caller's own image, or a member could read someone else's file through the group.
    if (input.avatarFileId) await requireAvatarImage(trx, callerId, input.avatarFileId, now);
    const row: ConversationRow = {
      id: newId(),
      type: 'group',
      direct_key: null,
      context_type: null,
      context_id: null,
      title: input.name,
      description: input.description ?? null,
      avatar_file_id: input.avatarFileId ?? null,
      created_by: callerId,
      created_at: now,
      updated_at: now,
      last_seq: 0,
      last_message_at: null,
      message_retention_seconds: null,
      unread_epoch: 0,
    };
    await trx.insertInto('conversations').values(row).execute();
    await insertMembers(
      trx,
      row,
      [
        { userId: callerId, role: 'admin' },
        ...others.map((userId) => ({ userId, role: 'member' as const })),
      ],
      now,
    );
    emit({
      event: {
        type: 'conversation.created',
        conversationId: row.id,
        conversation: conversationSummary(row),
      },
    });
    await postSystemMessage(
      deps,
      trx,
      emit,
      row.id,
      callerId,
      systemPayload('group_created', callerId, { name: input.name, userIds: others }),
    );
    return row.id;
  });
  return getConversation(deps, callerId, id);
}

export interface UpdateGroupInput {
  groupId: string;
  name?: string;
  /** null clears it; absent leaves it. */
  description?: string | null;
  avatarFileId?: string | null;
}

/** Admins only. Each changed field leaves a system message; nothing changed, nothing emitted. */
export async function updateGroup(
  deps: ApiDeps,
  callerId: string,
  input: UpdateGroupInput,
): Promise<ConversationDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    const { group } = await requireGroupAdmin(trx, input.groupId, callerId);
    // A new avatar must be the caller's own image; resending the current one is no change.
    if (input.avatarFileId && input.avatarFileId !== group.avatar_file_id) {
      await requireAvatarImage(trx, callerId, input.avatarFileId, nowIso(deps));
    }
    const next = {
      title: input.name ?? group.title,
      description: input.description === undefined ? group.description : input.description,
      avatar_file_id: input.avatarFileId === undefined ? group.avatar_file_id : input.avatarFileId,
    };
    const changes = [
      next.title !== group.title &&
        systemPayload('group_renamed', callerId, { name: next.title ?? '' }),
      next.description !== group.description && systemPayload('description_changed', callerId),
      next.avatar_file_id !== group.avatar_file_id && systemPayload('avatar_changed', callerId),
    ].filter((c) => c !== false);
    if (changes.length === 0) return;
    const updated: ConversationRow = { ...group, ...next, updated_at: nowIso(deps) };
    await trx
      .updateTable('conversations')
      .set({ ...next, updated_at: updated.updated_at })
      .where('id', '=', group.id)
      .execute();
    emit({
      event: {
        type: 'conversation.updated',
        conversationId: group.id,
        conversation: conversationSummary(updated),
      },
    });
    for (const payload of changes) {
      await postSystemMessage(deps, trx, emit, group.id, callerId, payload);
    }
  });
  return getConversation(deps, callerId, input.groupId);
}
