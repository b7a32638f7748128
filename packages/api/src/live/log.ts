import { type DbOrTx, dialectOf, type EventRow } from '@parley/db';
import { sql } from 'kysely';
import { membersByConversation } from '../shared/recipients.ts';

/**
 * The events one user may replay after `afterId`, oldest first, at most `limit`: those
 * addressed to them, and those of the conversations they are a member of now, from the time
 * they joined (a member removed during the gap gets the "you were removed" event addressed to
 * them, and nothing of the group after it; one added gets the group from the join on).
 *
 * The cost is what the user receives, never the size of the whole log: each source (the
 * user's own index range on `events(user_id, id)`, and one range per conversation on
 * `events(conversation_id, id)`) is walked for at most `limit` rows, then merged by id.
 * A page shorter than `limit` means the user has nothing more after it.
 *
 * The replay READ lives here, alone: id allocation and the hub's tailer are elsewhere.
 */
export async function readUserEvents(
  db: DbOrTx,
  userId: string,
  afterId: string,
  limit: number,
): Promise<EventRow[]> {
  const query =
    dialectOf(db) === 'postgres'
      ? // One LATERAL index walk per conversation, each stopping after `limit` rows.
        sql<EventRow>`
          select * from (
            (select e.* from events e
              where e.user_id = ${userId} and e.id > ${afterId}
              order by e.id limit ${limit})
            union all
            (select e.* from members m cross join lateral (
                select x.* from events x
                where x.conversation_id = m.conversation_id
                  and x.id > greatest(${afterId}::text, m.joined_after_event_id)
                  and x.user_id is null
                order by x.id limit ${limit}
              ) e
              where m.user_id = ${userId})
          ) mine order by id limit ${limit}`
      : // SQLite has no LATERAL: first the page's upper bound, the smallest of each source's
        // limit-th id (so no source has more than `limit` rows below it, and the one that set
        // it has exactly `limit`), then each source's range up to it, merged. CROSS JOIN and
        // the unary + pin the plan: members drive, events are read by (conversation_id, id),
        // never by the huge "user_id is null" range of the user index.
        sql<EventRow>`
          with mine as (
            select conversation_id, max(${afterId}, joined_after_event_id) as from_id
            from members where user_id = ${userId}
          ),
          bounds as (
            select (select x.id from events x
                    where x.conversation_id = mine.conversation_id and x.id > mine.from_id
                      and +x.user_id is null
                    order by x.id limit 1 offset ${limit - 1}) as b
            from mine
            union all
            select (select x.id from events x where x.user_id = ${userId} and x.id > ${afterId}
                    order by x.id limit 1 offset ${limit - 1})
          ),
          upper as (select coalesce(min(b), '~') as u from bounds)
          select e.* from events e
            where e.user_id = ${userId} and e.id > ${afterId}
              and e.id <= (select u from upper)
          union all
          select e.* from mine cross join events e
            on e.conversation_id = mine.conversation_id and e.id > mine.from_id
            and e.id <= (select u from upper)
            where +e.user_id is null
          order by id limit ${limit}`;
  const { rows } = await query.execute(db);
  return rows;
}

/**
 * Who receives each event now: the addressee, or the conversation's current members who had
 * joined before it (a tailer running behind must not hand a new member older events).
 */
export async function recipientsOf(db: DbOrTx, rows: EventRow[]): Promise<Map<string, string[]>> {
  const conversationIds = [
    ...new Set(rows.filter((r) => !r.user_id && r.conversation_id).map((r) => r.conversation_id!)),
  ];
  const byConversation = await membersByConversation(db, conversationIds);
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
