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

export interface ConversationMember {
  user_id: string;
  /** The member receives this conversation's events after this id (see members table). */
  joined_after_event_id: string;
}

/** The members of these conversations, by conversation (one read per 500 conversations). */
export async function membersByConversation(
  db: DbOrTx,
  conversationIds: readonly string[],
): Promise<Map<string, ConversationMember[]>> {
  const byConversation = new Map<string, ConversationMember[]>();
  for (let i = 0; i < conversationIds.length; i += 500) {
    const rows = await db
      .selectFrom('members')
      .select(['conversation_id', 'user_id', 'joined_after_event_id'])
      .where('conversation_id', 'in', conversationIds.slice(i, i + 500))
      .execute();
    for (const { conversation_id, ...member } of rows) {
      const list = byConversation.get(conversation_id) ?? [];
      list.push(member);
      byConversation.set(conversation_id, list);
    }
  }
  return byConversation;
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

/**
 * Who hears `userId` come online or go offline: the people they share a direct chat or a
 * group of at most `maxGroupMembers` with. In bigger groups a member coming online would cost
 * an event for every other member (a 2,000-member group connecting is 4 million events), so
 * there clients ask `presence.get` for the people they show, as hosted chat APIs do.
 */
export async function presenceAudienceOf(
  db: DbOrTx,
  userId: string,
  maxGroupMembers: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('members as theirs')
    .select('theirs.user_id')
    .distinct()
    .where('theirs.user_id', '<>', userId)
    .where('theirs.conversation_id', 'in', (eb) =>
      eb
        .selectFrom('members as mine')
        .innerJoin('conversations as c', 'c.id', 'mine.conversation_id')
        .select('mine.conversation_id')
        .where('mine.user_id', '=', userId)
        .where((w) =>
          w.or([
            w('c.type', '=', 'direct'),
            // At most `maxGroupMembers`: no member past that many (reads at most that many
            // rows, where counting a 2,000-member group read all of them on every connect).
            w.not(
              w.exists(
                w
                  .selectFrom('members as m')
                  .select('m.user_id')
                  .whereRef('m.conversation_id', '=', 'mine.conversation_id')
                  .limit(1)
                  .offset(maxGroupMembers),
              ),
            ),
          ]),
        ),
    )
    .execute();
  return rows.map((r) => r.user_id);
}
