import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { requireMember } from '../shared/access.ts';
import type { DraftDto } from '../shared/schemas.ts';

/**
 * Saves (or, with '', clears) the caller's draft of a conversation and sends it to their other
 * devices (`draft.updated`, to the caller only): a draft begun on the phone goes on on the web.
 * Last write wins. Nothing is emitted when the text did not change.
 */
export async function saveDraft(
  deps: ApiDeps,
  userId: string,
  input: { conversationId: string; text: string },
): Promise<DraftDto> {
  if (input.text.length > deps.limits.messageMaxLength) {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: `Draft text is longer than ${deps.limits.messageMaxLength} characters`,
    });
  }
  return writeWithEvents(deps, async (trx, emit) => {
    const member = await requireMember(trx, input.conversationId, userId);
    if (member.draft_text === input.text) {
      return {
        conversationId: input.conversationId,
        text: member.draft_text,
        updatedAt: member.draft_updated_at,
      };
    }
    const draft: DraftDto = {
      conversationId: input.conversationId,
      text: input.text,
      updatedAt: nowIso(deps),
    };
    await trx
      .updateTable('members')
      .set({ draft_text: draft.text, draft_updated_at: draft.updatedAt })
      .where('conversation_id', '=', input.conversationId)
      .where('user_id', '=', userId)
      .execute();
    emit({
      onlyUserId: userId,
      event: { type: 'draft.updated', conversationId: input.conversationId, draft },
    });
    return draft;
  });
}

export async function getDraft(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
): Promise<DraftDto> {
  const member = await requireMember(deps.db, conversationId, userId);
  return { conversationId, text: member.draft_text, updatedAt: member.draft_updated_at };
}
