import type { DbOrTx, MemberRow, MessageRow } from '@parley/db';
import { notFound } from '../errors.ts';

/** One user's membership of one conversation, if any: every access check starts here. */
export function findMember(
  db: DbOrTx,
  conversationId: string,
  userId: string,
): Promise<MemberRow | undefined> {
  return db
    .selectFrom('members')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** The caller's membership, or NOT_FOUND whether or not the conversation exists. */
export async function requireMember(
  db: DbOrTx,
  conversationId: string,
  userId: string,
): Promise<MemberRow> {
  const member = await findMember(db, conversationId, userId);
  if (!member) throw notFound('Conversation');
  return member;
}

/** A message the caller may see: member of its conversation, and sent after they joined. */
export async function requireVisibleMessage(
  db: DbOrTx,
  messageId: string,
  userId: string,
): Promise<{ message: MessageRow; member: MemberRow }> {
  const message = await db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', messageId)
    .executeTakeFirst();
  if (!message) throw notFound('Message');
  const member = await findMember(db, message.conversation_id, userId);
  if (!member || message.seq <= member.joined_seq) throw notFound('Message');
  return { message, member };
}
