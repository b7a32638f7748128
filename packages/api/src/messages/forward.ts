import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { submitSend } from './messages.ts';
import type { SendBatcher } from './send-batch.ts';

/** Most conversations one forward goes to. */
export const MAX_FORWARD_TARGETS = 10;

/**
 * The clientMessageId of a forward's copy in one conversation: the caller's id for the whole
 * forward plus the target, so a retry of the forward finds every copy it stored already.
 */
export function forwardClientId(clientMessageId: string, conversationId: string): string {
  return `${clientMessageId}>${conversationId}`;
}

/**
 * Copies a message (text and attachments; the files are shared, not copied) into each target
 * conversation as the caller's own message with `forwarded: true`; the original sender is not
 * kept. Every copy is an ordinary send through the batcher. Targets are checked first, so a
 * forward to a conversation the caller is not in stores nothing.
 */
export async function forwardMessage(
  deps: ApiDeps,
  sends: SendBatcher,
  userId: string,
  input: { messageId: string; conversationIds: string[]; clientMessageId: string },
): Promise<MessageDto[]> {
  const targets = [...new Set(input.conversationIds)];
  if (targets.length !== input.conversationIds.length) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'A conversation is listed twice' });
  }
  const memberships = await deps.db
    .selectFrom('members')
    .select('conversation_id')
    .where('user_id', '=', userId)
    .where('conversation_id', 'in', targets)
    .execute();
  if (memberships.length !== targets.length) throw notFound('Conversation');
  // Each copy settles on its own; a retry (same clientMessageId) stores only what is missing.
  return Promise.all(
    targets.map((conversationId) =>
      submitSend(deps, sends, userId, {
        conversationId,
        clientMessageId: forwardClientId(input.clientMessageId, conversationId),
        text: '',
        forwardFromId: input.messageId,
      }),
    ),
  );
}
