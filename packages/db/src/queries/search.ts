import { sql } from 'kysely';
import type { DbOrTx } from '../database.ts';
import { dialectOf } from '../dialect.ts';
import { offThreadReaderOf } from '../reader.ts';
import type { MessageRow } from '../tables/messages.ts';

export interface MessageSearch {
  userId: string;
  /** Words to find; each matches as a word prefix, all must match. */
  terms: string[];
  conversationId?: string | null;
  limit: number;
  offset: number;
}

/** Splits free text into search terms (letters and digits of any script). */
export function searchTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

const columns = sql.raw(
  [
    'id',
    'conversation_id',
    'seq',
    'sender_id',
    'client_message_id',
    'kind',
    'text',
    'reply_to_id',
    'created_at',
    'edited_at',
    'deleted_at',
    'system',
    'mentions',
    'forwarded',
    'thread_root_id',
    'in_channel',
    'thread_reply_count',
    'thread_last_reply_at',
    'thread_last_reply_seq',
    'thread_participants',
  ]
    .map((c) => `messages.${c}`)
    .join(', '),
);

/**
 * SQLite: adds messages stored since the last call to the full-text index, at most `max` of
 * them (new messages are indexed here, off the send path). PostgreSQL indexes as it writes.
 * Returns how many were indexed; call again while it returns `max`.
 */
export async function catchUpSearchIndex(db: DbOrTx, max = 5000): Promise<number> {
  if (dialectOf(db) === 'postgres') return 0;
  const run = async (trx: DbOrTx) => {
    const { rows } = await sql<{ rowid: number }>`
      select rowid from messages
      where rowid > (select indexed_rowid from messages_fts_state)
      order by rowid limit ${max}`.execute(trx);
    const last = rows.at(-1)?.rowid;
    if (last === undefined) return 0;
    await sql`insert into messages_fts(rowid, text) select rowid, text from messages
      where rowid > (select indexed_rowid from messages_fts_state) and rowid <= ${last}`.execute(
      trx,
    );
    await sql`update messages_fts_state set indexed_rowid = ${last}`.execute(trx);
    return rows.length;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** The search's SQL for `db`'s dialect (exported for the plan tests). */
export function searchQuery(db: DbOrTx, s: MessageSearch) {
  const visible = sql`members.conversation_id = messages.conversation_id
    and members.user_id = ${s.userId} and messages.seq > members.joined_seq`;
  const inConversation = s.conversationId
    ? sql`and messages.conversation_id = ${s.conversationId}`
    : sql``;
  if (dialectOf(db) === 'postgres') {
    const query = s.terms.map((t) => `${t}:*`).join(' & ');
    return sql<MessageRow>`
      select ${columns} from messages
      join members on ${visible}
      cross join to_tsquery('simple', parley_unaccent(${query})) as q
      where messages.search_vector @@ q and messages.deleted_at is null
        and messages.kind = 'text' ${inConversation}
      order by ts_rank_cd(messages.search_vector, q) desc, messages.id desc
      limit ${s.limit} offset ${s.offset}`;
  }
  const match = s.terms.map((t) => `"${t}"*`).join(' ');
  // The full-text match drives: its rowids and ranks are collected once (MATERIALIZED keeps
  // the planner from turning the CTE into a per-row MATCH), then joined to the rows the caller
  // may read. Joined the other way round, SQLite walked a conversation's messages and ran the
  // whole MATCH for each of them, quadratic in the matches (100 s for 20,000 messages).
  return sql<MessageRow>`
    with hits as materialized (
      select rowid, bm25(messages_fts) as rank from messages_fts
      where messages_fts match ${match}
    )
    select ${columns} from hits
    cross join messages on messages.rowid = hits.rowid
    join members on ${visible}
    where messages.deleted_at is null and messages.kind = 'text' ${inConversation}
    order by hits.rank, messages.id desc
    limit ${s.limit} offset ${s.offset}`;
}

/**
 * Ranked full-text search over the messages `userId` may read: conversations they are a member
 * of, sent after they joined, not deleted. Best match first, newest first among equals.
 */
export async function searchMessages(db: DbOrTx, s: MessageSearch): Promise<MessageRow[]> {
  if (s.terms.length === 0) return [];
  const query = searchQuery(db, s);
  // SQLite: ranking every match of a common word costs time in proportion to the corpus, so
  // it runs off the main thread when the database is a file (the event loop only waits for
  // the page). PostgreSQL's queries never block the event loop.
  const reader = offThreadReaderOf(db);
  if (reader) return reader.all<MessageRow>(query.compile(db));
  return (await query.execute(db)).rows;
}
