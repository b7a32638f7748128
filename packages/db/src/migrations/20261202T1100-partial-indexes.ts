import type { Kysely } from 'kysely';

// Two indexes held a row for every message event and every message although their queries
// only ever look up non-null keys: `events_user_idx` (events addressed to one user; a
// conversation's events have user_id null) and `messages_thread_idx` (thread replies; most
// messages have no thread). Each send paid an index insert and one more page written at commit
// for an entry no query reads (issue 13: ~13 WAL frames per one-send commit, now ~11). Partial now;
// `user_id = ?` and `thread_root_id = ?` imply "is not null", so both dialects still use them.
const INDEXES = [
  { name: 'events_user_idx', table: 'events', columns: ['user_id', 'id'], key: 'user_id' },
  {
    name: 'messages_thread_idx',
    table: 'messages',
    columns: ['thread_root_id', 'seq'],
    key: 'thread_root_id',
  },
] as const;

/** Drops each index and creates it again, partial (only rows whose key is set) or whole. */
async function rebuild(db: Kysely<any>, partial: boolean): Promise<void> {
  for (const { name, table, columns, key } of INDEXES) {
    await db.schema.dropIndex(name).execute();
    const create = db.schema
      .createIndex(name)
      .on(table)
      .columns([...columns]);
    await (partial ? create.where(key, 'is not', null) : create).execute();
  }
}

export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, true);
}

export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, false);
}
