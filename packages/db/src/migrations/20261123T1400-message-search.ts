import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// Full-text index over message text, kept right by the database itself on every insert, edit
// and (soft) delete, so no service has to remember it. 'simple' / unicode61: no stemming, the
// same word-and-prefix matching on both dialects, and language-neutral.
export async function up(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    // Accent folding, as SQLite's remove_diacritics does. unaccent ships with PostgreSQL's
    // contrib; it lives in `public` once per database (several schemas/instances may race).
    await sql`do $$ begin
      create extension if not exists unaccent schema public;
    exception when unique_violation or duplicate_object then null;
    end $$`.execute(db);
    // unaccent() is only STABLE; generated columns need IMMUTABLE, with the dictionary pinned.
    await sql`create function parley_unaccent(text) returns text
      language sql immutable parallel safe strict
      as $$ select public.unaccent('public.unaccent'::regdictionary, $1) $$`.execute(db);
    await sql`alter table messages add column search_vector tsvector
      generated always as (to_tsvector('simple', parley_unaccent(text))) stored`.execute(db);
    await sql`create index messages_search_idx on messages using gin (search_vector)`.execute(db);
    return;
  }
  await sql`create virtual table messages_fts using fts5(
    text, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
  )`.execute(db);
  await sql`insert into messages_fts(rowid, text) select rowid, text from messages`.execute(db);
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

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`alter table messages drop column search_vector`.execute(db);
    await sql`drop function parley_unaccent(text)`.execute(db);
    return;
  }
  for (const name of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']) {
    await sql`drop trigger ${sql.raw(name)}`.execute(db);
  }
  await sql`drop table messages_fts`.execute(db);
}
