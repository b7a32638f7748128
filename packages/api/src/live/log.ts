import type { DbOrTx, EventRow } from '@parley/db';

/**
 * The events one user may replay after `afterId`: those addressed to them, and those of the
 * conversations they are a member of now, from the time they joined.
 */
export async function readUserEvents(
  db: DbOrTx,
  userId: string,
  afterId: string,
  limit: number,
): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', afterId)
    .where((eb) =>
      eb.or([
        eb('user_id', '=', userId),
        eb.and([
          eb('user_id', 'is', null),
          eb.exists(
            eb
              .selectFrom('members as m')
              .select('m.user_id')
              .whereRef('m.conversation_id', '=', 'events.conversation_id')
              .where('m.user_id', '=', userId)
              .whereRef('events.id', '>', 'm.joined_after_event_id'),
          ),
        ]),
      ]),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Who receives each event now: the addressee, or the conversation's current members who had
 * joined before it (a tailer running behind must not hand a new member older events).
 */
export async function recipientsOf(db: DbOrTx, rows: EventRow[]): Promise<Map<string, string[]>> {
  const conversationIds = [
    ...new Set(rows.filter((r) => !r.user_id && r.conversation_id).map((r) => r.conversation_id!)),
  ];
  const members =
    conversationIds.length === 0
      ? []
      : await db
          .selectFrom('members')
          .select(['conversation_id', 'user_id', 'joined_after_event_id'])
          .where('conversation_id', 'in', conversationIds)
          .execute();
  const byConversation = new Map<string, typeof members>();
  for (const m of members) {
    const list = byConversation.get(m.conversation_id) ?? [];
    list.push(m);
    byConversation.set(m.conversation_id, list);
  }
  return new Map(
    rows.map((r) => [
      r.id,
      r.user_id
        ? [r.user_id]
        : (byConversation.get(r.conversation_id ?? '') ?? [])
            .filter((m) => r.id > m.joined_after_event_id)
            .map((m) => m.user_id),
    ]),
  );
}
