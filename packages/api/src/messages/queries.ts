import type { DbOrTx, MessageRow, ReactionRow } from '@parley/db';
import { attachmentsOf } from '../files/attachments.ts';
import type { FileDto } from '../shared/schemas.ts';

export interface MessageWithReactions {
  message: MessageRow;
  reactions: ReactionRow[];
  attachments: FileDto[];
}

/** Attaches reactions and attachments to a page of messages with one query each. */
export async function withReactions(
  db: DbOrTx,
  messages: MessageRow[],
): Promise<MessageWithReactions[]> {
  if (messages.length === 0) return [];
  const reactions = await db
    .selectFrom('reactions')
    .selectAll()
    .where(
      'message_id',
      'in',
      messages.map((m) => m.id),
    )
    .orderBy('created_at')
    .orderBy('user_id')
    .execute();
  const attachments = await attachmentsOf(
    db,
    messages.map((m) => m.id),
  );
  return messages.map((message) => ({
    message,
    reactions: reactions.filter((r) => r.message_id === message.id),
    attachments: attachments.get(message.id) ?? [],
  }));
}

/** The newest message of each conversation. */
export async function lastMessages(
  db: DbOrTx,
  conversationIds: string[],
): Promise<MessageWithReactions[]> {
  if (conversationIds.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
    .selectAll('messages')
    .where('messages.conversation_id', 'in', conversationIds)
    .whereRef('messages.seq', '=', 'conversations.last_seq')
    .execute();
  return withReactions(db, rows);
}
