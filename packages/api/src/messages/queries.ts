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
  // A thread reply kept out of the conversation is not its last message: take the latest one
  // that is in it (rare, so only then the extra query).
  const hidden = rows.filter((r) => r.in_channel === 0).map((r) => r.conversation_id);
  if (hidden.length > 0) {
    const shown = await db
      .selectFrom('messages as x')
      .selectAll('x')
      .where('x.conversation_id', 'in', hidden)
      .where('x.seq', '=', (eb) =>
        eb
          .selectFrom('messages as y')
          .select((e) => e.fn.max('y.seq').as('s'))
          .whereRef('y.conversation_id', '=', 'x.conversation_id')
          .where('y.in_channel', '=', 1),
      )
      .execute();
    return withReactions(db, [...rows.filter((r) => r.in_channel !== 0), ...shown]);
  }
  return withReactions(db, rows);
}
