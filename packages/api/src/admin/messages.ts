import type { DbOrTx } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { type Emit, writeWithEvents } from '../live/write.ts';
import { tombstoneMessage } from '../messages/changes.ts';
import { recordAudit } from './audit.ts';

/**
 * A moderator removes any message, member or not: the same tombstone as a soft delete with
 * `deletedBy: 'moderator'`, delivered to every member live and on resume.
 */
export async function removeMessageAsModerator(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  actorId: string,
  messageId: string,
  details: Record<string, string | null> = {},
): Promise<void> {
  const message = await trx
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', messageId)
    .executeTakeFirst();
  if (!message) throw notFound('Message');
  const removed = await tombstoneMessage(deps, trx, emit, message, 'moderator', actorId);
  if (!removed) return;
  await recordAudit(deps, trx, {
    actorId,
    action: 'message.removed',
    targetType: 'message',
    targetId: messageId,
    details: { conversationId: message.conversation_id, senderId: message.sender_id, ...details },
  });
}

export async function deleteMessageAsModerator(
  deps: ApiDeps,
  actorId: string,
  messageId: string,
): Promise<{ ok: true }> {
  await writeWithEvents(deps, (trx, emit) =>
    removeMessageAsModerator(deps, trx, emit, actorId, messageId),
  );
  return { ok: true };
}
