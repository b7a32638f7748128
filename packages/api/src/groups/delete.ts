import type { ApiDeps } from '../deps.ts';
import { writeWithEvents } from '../live/write.ts';
import { requireGroupAdmin } from './access.ts';

/**
 * An admin deletes the group for everyone: members, messages (with their reactions,
 * attachments and notifications, by cascade) and the conversation's own events in the log go.
 * Each member receives `conversation.deleted` addressed to them (the conversation has no
 * members left to address), as the last event of that conversation. Uploaded files stay their
 * owners' (the file sweep removes those no message uses any more).
 */
export async function deleteGroup(
  deps: ApiDeps,
  callerId: string,
  input: { groupId: string },
): Promise<void> {
  await writeWithEvents(deps, async (trx, emit) => {
    await requireGroupAdmin(trx, input.groupId, callerId);
    const members = await trx
      .selectFrom('members')
      .select('user_id')
      .where('conversation_id', '=', input.groupId)
      .execute();
    // The log's copies of the history go too; the events emitted below are appended after.
    await trx.deleteFrom('events').where('conversation_id', '=', input.groupId).execute();
    await trx.deleteFrom('conversations').where('id', '=', input.groupId).execute();
    for (const m of members) {
      emit({
        onlyUserId: m.user_id,
        event: { type: 'conversation.deleted', conversationId: input.groupId, actorId: callerId },
      });
    }
  });
}
