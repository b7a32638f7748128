import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.ts';

// A member's unread count, remembered where it was last counted so the next count reads only the
// messages sent since (issue 13: each delivery ack answers with the member's unread counts, and
// counting every unread message made an ack O(unread); see `unreadCountOf` in the api's
// conversations.ts). The count is valid while the member's read watermark and the
// conversation's `unread_epoch` are what they were; the epoch moves whenever a message stops or
// starts counting (deleted, soft-deleted, retyped, moved in or out of the channel), which the
// triggers below see on every path. The defaults never match, so a row starts uncounted.
//
// Only SQLite's receipt writer stores counts; on PostgreSQL the columns stay at their defaults
// and every count reads from the watermark (no triggers are needed there until a writer stores).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    .addColumn('unread_epoch', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  for (const [name, initial] of [
    ['unread_cache', 0],
    ['unread_cache_seq', 0],
    ['unread_cache_read_seq', -1],
    ['unread_cache_epoch', -1],
  ] as const) {
    await db.schema
      .alterTable('members')
      .addColumn(name, 'integer', (c) => c.notNull().defaultTo(initial))
      .execute();
  }
  if (dialectOf(db) === 'postgres') return;
  await sql`create trigger messages_unread_epoch_delete after delete on messages begin
    update conversations set unread_epoch = unread_epoch + 1 where id = old.conversation_id;
  end`.execute(db);
  await sql`create trigger messages_unread_epoch_update
    after update of deleted_at, kind, in_channel, sender_id, seq, conversation_id on messages
    when old.deleted_at is not new.deleted_at or old.kind is not new.kind
      or old.in_channel is not new.in_channel or old.sender_id is not new.sender_id
      or old.seq is not new.seq or old.conversation_id is not new.conversation_id
    begin
      update conversations set unread_epoch = unread_epoch + 1
      where id in (old.conversation_id, new.conversation_id);
    end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (dialectOf(db) !== 'postgres') {
    await sql`drop trigger messages_unread_epoch_update`.execute(db);
    await sql`drop trigger messages_unread_epoch_delete`.execute(db);
  }
  for (const name of [
    'unread_cache',
    'unread_cache_seq',
    'unread_cache_read_seq',
    'unread_cache_epoch',
  ]) {
    await db.schema.alterTable('members').dropColumn(name).execute();
  }
  await db.schema.alterTable('conversations').dropColumn('unread_epoch').execute();
}
