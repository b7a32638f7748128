import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// SQLite: the full-text index leaves the send path. Indexing a message in FTS5 cost more than
// the rest of its insert together (and dirtied index pages on every commit); an indexer now
// adds new messages in batches (`catchUpSearchIndex`), and search catches up before it reads.
// `indexed_rowid` says how far the index goes: edits and deletes of rows beyond it change
// nothing in the index (the indexer will index their current text).
export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') return;
  await sql`create table messages_fts_state (
    id integer primary key check (id = 1),
    indexed_rowid integer not null
  )`.execute(db);
  await sql`insert into messages_fts_state (id, indexed_rowid)
    values (1, (select coalesce(max(rowid), 0) from messages))`.execute(db);
  for (const name of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']) {
    await sql`drop trigger ${sql.raw(name)}`.execute(db);
  }
  await sql`create trigger messages_fts_delete after delete on messages
    when old.rowid <= (select indexed_rowid from messages_fts_state) begin
    insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
  end`.execute(db);
  await sql`create trigger messages_fts_update after update of text on messages
    when old.rowid <= (select indexed_rowid from messages_fts_state) begin
    insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
    insert into messages_fts(rowid, text) values (new.rowid, new.text);
  end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') return;
  // Index what is missing, then go back to indexing on every insert.
  await sql`insert into messages_fts(rowid, text) select rowid, text from messages
    where rowid > (select indexed_rowid from messages_fts_state)`.execute(db);
  await sql`drop trigger messages_fts_delete`.execute(db);
  await sql`drop trigger messages_fts_update`.execute(db);
  await sql`drop table messages_fts_state`.execute(db);
  await sql`create trigger messages_fts_insert after insert on messages begin
    insert into messages_fts(rowid, text) values (new.rowid, new.text);
  end`.execute(db);
  await sql`create trigger messages_fts_delete after delete on messages begin
    insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
  end`.execute(db);
  await sql`create trigger messages_fts_update after update of text on messages begin
    insert into messages_fts(messages_fts, rowid, text) values ('delete', old.rowid, old.text);
    insert into messages_fts(rowid, text) values (new.rowid, new.text);
  end`.execute(db);
}
