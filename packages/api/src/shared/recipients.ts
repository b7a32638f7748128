import type { DbOrTx } from '@parley/db';

/** Members of a conversation other than `userId` (typing goes to them). */
export async function otherMembers(
  db: DbOrTx,
  conversationId: string,
  userId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('members')
    .select('user_id')
    .where('conversation_id', '=', conversationId)
    .where('user_id', '<>', userId)
    .execute();
  return rows.map((r) => r.user_id);
}

/** Everyone who shares at least one conversation with `userId` (presence goes to them). */
export async function contactsOf(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('members as mine')
    .innerJoin('members as theirs', 'theirs.conversation_id', 'mine.conversation_id')
    .select('theirs.user_id')
    .distinct()
    .where('mine.user_id', '=', userId)
    .where('theirs.user_id', '<>', userId)
    .execute();
  return rows.map((r) => r.user_id);
}
