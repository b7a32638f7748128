import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { requireMember } from '../shared/access.ts';
import type { ConversationDto } from '../shared/schemas.ts';
import { getConversation } from './conversations.ts';
import { updateMemberState } from './organize.ts';

/** Stored for "muted until I unmute": a far-future time keeps every comparison a plain `>`. */
const MUTED_FOREVER = '9999-12-31T23:59:59.999Z';

/** Only the caller's own membership changes; other members never learn about it (the
 * caller's other devices get `conversation.state_changed`). */
export async function muteConversation(
  deps: ApiDeps,
  userId: string,
  input: { conversationId: string; until?: string | null },
): Promise<ConversationDto> {
  let until = MUTED_FOREVER;
  if (input.until) {
    const at = Date.parse(input.until);
    if (!(at > deps.clock.now())) {
      throw new DomainError({ code: 'BAD_REQUEST', message: 'until must be in the future' });
    }
    until = new Date(at).toISOString();
  }
  await setMutedUntil(deps, userId, input.conversationId, until);
  return getConversation(deps, userId, input.conversationId);
}

export async function unmuteConversation(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
): Promise<ConversationDto> {
  await setMutedUntil(deps, userId, conversationId, null);
  return getConversation(deps, userId, conversationId);
}

async function setMutedUntil(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
  until: string | null,
): Promise<void> {
  await writeWithEvents(deps, async (trx, emit) => {
    await requireMember(trx, conversationId, userId);
    await updateMemberState(
      trx,
      emit,
      conversationId,
      userId,
      { muted_until: until },
      nowIso(deps),
    );
  });
}
