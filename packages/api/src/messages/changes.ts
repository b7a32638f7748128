import type { DbOrTx, MessageDeletedBy, MessageRow } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { type Emit, nowIso, writeWithEvents } from '../live/write.ts';
import { requireVisibleMessage } from '../shared/access.ts';
import { toMessageDto } from '../shared/mappers.ts';
import type { MentionDto, MessageDto } from '../shared/schemas.ts';
import { checkMentionedMembers, checkMentionRanges, indexMentions } from './mentions.ts';
import { getMessage } from './messages.ts';
import { withReactions } from './queries.ts';

async function requireOwnLiveMessage(trx: DbOrTx, userId: string, messageId: string) {
  const { message } = await requireVisibleMessage(trx, messageId, userId);
  if (message.sender_id !== userId) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Only the sender can change a message' });
  }
  // The actor of "Ada added Ben" is its sender, but the timeline's record is not theirs to edit.
  if (message.kind === 'system') {
    throw new DomainError({ code: 'FORBIDDEN', message: 'System messages cannot be changed' });
  }
  return message;
}

async function dtoOf(trx: DbOrTx, row: MessageRow): Promise<MessageDto> {
  const [m] = await withReactions(trx, [row]);
  return toMessageDto(m!.message, m!.reactions, null, m!.attachments);
}

/** Only the sender, only within the edit window, never a deleted message. */
export async function editMessage(
  deps: ApiDeps,
  userId: string,
  input: { messageId: string; text: string; mentions?: MentionDto[] | null },
): Promise<MessageDto> {
  if (input.text.trim().length === 0 || input.text.length > deps.limits.messageMaxLength) {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: `Message text must be 1 to ${deps.limits.messageMaxLength} characters`,
    });
  }
  // The edit states the message's mentions anew (none when left out: old ranges would point
  // into the old text).
  const mentions = checkMentionRanges(input.text, input.mentions ?? undefined);
  const mentionsJson = mentions ? JSON.stringify(mentions) : null;
  await writeWithEvents(deps, async (trx, emit) => {
    const message = await requireOwnLiveMessage(trx, userId, input.messageId);
    if (message.deleted_at) {
      throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'Message was deleted' });
    }
    if (deps.clock.now() - Date.parse(message.created_at) > deps.limits.editWindowMs) {
      throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'The edit window has passed' });
    }
    if (message.text === input.text && message.mentions === mentionsJson) return;
    if (mentions) {
      const members = await trx
        .selectFrom('members')
        .select('user_id')
        .where('conversation_id', '=', message.conversation_id)
        .execute();
      await checkMentionedMembers(
        trx,
        message.conversation_id,
        userId,
        new Set(members.map((m) => m.user_id)),
        mentions,
      );
    }
    const updated = {
      ...message,
      text: input.text,
      mentions: mentionsJson,
      edited_at: nowIso(deps),
    };
    await trx
      .updateTable('messages')
      .set({ text: updated.text, mentions: mentionsJson, edited_at: updated.edited_at })
      .where('id', '=', message.id)
      .execute();
    if (mentionsJson !== message.mentions) await indexMentions(trx, updated, true);
    emit({
      event: {
        type: 'message.edited',
        conversationId: message.conversation_id,
        message: await dtoOf(trx, updated),
      },
    });
  });
  return getMessage(deps, userId, input.messageId);
}

/**
 * Tombstones a message: the row stays with text, reactions and attachments cleared (the files
 * themselves stay with their uploader) and `deleted_by` saying who removed it; every member
 * receives `message.deleted` live and on resume. A no-op for a message already deleted.
 */
export async function tombstoneMessage(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  message: MessageRow,
  deletedBy: MessageDeletedBy,
  /** Who removed it (null: the system); the sender when absent. */
  actorId: string | null = message.sender_id,
): Promise<boolean> {
  if (message.deleted_at) return false;
  const tombstone = {
    ...message,
    text: '',
    mentions: null,
    deleted_at: nowIso(deps),
    deleted_by: deletedBy,
  };
  await trx
    .updateTable('messages')
    .set({ text: '', mentions: null, deleted_at: tombstone.deleted_at, deleted_by: deletedBy })
    .where('id', '=', message.id)
    .execute();
  await trx.deleteFrom('message_mentions').where('message_id', '=', message.id).execute();
  const unpinned = await trx
    .deleteFrom('pins')
    .where('message_id', '=', message.id)
    .executeTakeFirst();
  if (Number(unpinned.numDeletedRows) > 0) {
    emit({
      event: {
        type: 'message.unpinned',
        conversationId: message.conversation_id,
        messageId: message.id,
        userId: actorId ?? message.sender_id,
        at: tombstone.deleted_at,
      },
    });
  }
  await trx.deleteFrom('reactions').where('message_id', '=', message.id).execute();
  await trx.deleteFrom('message_attachments').where('message_id', '=', message.id).execute();
  emit({
    event: {
      type: 'message.deleted',
      conversationId: message.conversation_id,
      message: toMessageDto(tombstone),
    },
  });
  return true;
}

/**
 * Soft delete by the sender, or by an admin of the group (any member's message; the
 * tombstone then says a group admin removed it).
 */
export async function deleteMessage(
  deps: ApiDeps,
  userId: string,
  messageId: string,
): Promise<MessageDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    const { message, member } = await requireVisibleMessage(trx, messageId, userId);
    const own = message.sender_id === userId && message.kind !== 'system';
    const groupAdmin =
      !own && message.kind !== 'system' && member.role === 'admin' && (await isGroup(trx, message));
    if (!own && !groupAdmin) await requireOwnLiveMessage(trx, userId, messageId);
    await tombstoneMessage(deps, trx, emit, message, own ? 'sender' : 'group_admin', userId);
  });
  return getMessage(deps, userId, messageId);
}

async function isGroup(trx: DbOrTx, message: MessageRow): Promise<boolean> {
  const conversation = await trx
    .selectFrom('conversations')
    .select('type')
    .where('id', '=', message.conversation_id)
    .executeTakeFirst();
  return conversation?.type === 'group';
}

/** Adds or removes the caller's reaction; a no-op (and no event) when nothing changes. */
export async function setReaction(
  deps: ApiDeps,
  userId: string,
  input: { messageId: string; emoji: string },
  present: boolean,
): Promise<MessageDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    const { message } = await requireVisibleMessage(trx, input.messageId, userId);
    if (message.deleted_at) {
      throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'Message was deleted' });
    }
    const result = present
      ? await trx
          .insertInto('reactions')
          .values({
            message_id: message.id,
            user_id: userId,
            emoji: input.emoji,
            created_at: nowIso(deps),
          })
          .onConflict((oc) => oc.columns(['message_id', 'user_id', 'emoji']).doNothing())
          .executeTakeFirst()
      : await trx
          .deleteFrom('reactions')
          .where('message_id', '=', message.id)
          .where('user_id', '=', userId)
          .where('emoji', '=', input.emoji)
          .executeTakeFirst();
    const changed =
      'numInsertedOrUpdatedRows' in result
        ? Number(result.numInsertedOrUpdatedRows ?? 0)
        : Number(result.numDeletedRows);
    if (changed === 0) return;
    emit({
      event: {
        type: present ? 'reaction.added' : 'reaction.removed',
        conversationId: message.conversation_id,
        messageId: message.id,
        userId,
        emoji: input.emoji,
      },
    });
  });
  return getMessage(deps, userId, input.messageId);
}
