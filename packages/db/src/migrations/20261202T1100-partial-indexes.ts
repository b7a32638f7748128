import type { Kysely } from 'kysely';

// Two indexes held a row for every message event and every message although their queries
// only ever look up non-null keys: `events_user_idx` (events addressed to one user; a
// conversation's events have user_id null) and `messages_thread_idx` (thread replies; most
// messages have no thread). Each send paid an index insert and one more page written at commit
// for an entry no query reads (issue 13: ~13 WAL frames per one-send commit, now ~11). Partial now;
// `user_id = ?` and `thread_root_id = ?` imply "is not null", so both dialects still use them.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_user_idx').execute();
  await db.schema
    .createIndex('events_user_idx')
    .on('events')
    .columns(['user_id', 'id'])
    .where('user_id', 'is not', null)
    .execute();
  await db.schema.dropIndex('messages_thread_idx').execute();
  await db.schema
    .createIndex('messages_thread_idx')
    .on('messages')
    .columns(['thread_root_id', 'seq'])
    .where('thread_root_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('events_user_idx').execute();
  await db.schema.createIndex('events_user_idx').on('events').columns(['user_id', 'id']).execute();
  await db.schema.dropIndex('messages_thread_idx').execute();
  await db.schema
    .createIndex('messages_thread_idx')
    .on('messages')
    .columns(['thread_root_id', 'seq'])
    .execute();
}
