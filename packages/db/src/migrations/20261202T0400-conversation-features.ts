import type { Kysely } from 'kysely';

// Mentions, threads, pins and forwarding (issue 16, items 1-4). Flags are integers (0/1) on
// both dialects so rows read the same from SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('messages')
    // JSON array of { userId, start, length } ranges; null: no mentions.
    .addColumn('mentions', 'text')
    .execute();
  await db.schema
    .alterTable('messages')
    .addColumn('forwarded', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('messages').addColumn('thread_root_id', 'text').execute();
  await db.schema
    .alterTable('messages')
    // 0: a thread reply that was not also sent to the conversation (hidden from its history).
    .addColumn('in_channel', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('messages')
    .addColumn('thread_reply_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('messages').addColumn('thread_last_reply_at', 'text').execute();
  await db.schema.alterTable('messages').addColumn('thread_last_reply_seq', 'integer').execute();
  // JSON array of user ids, in order of their first reply.
  await db.schema.alterTable('messages').addColumn('thread_participants', 'text').execute();
  await db.schema
    .createIndex('messages_thread_idx')
    .on('messages')
    .columns(['thread_root_id', 'seq'])
    .execute();

  // One row per mentioned user per message ('*' for @everyone): the unread-mention count.
  await db.schema
    .createTable('message_mentions')
    .addColumn('message_id', 'text', (c) =>
      c.notNull().references('messages.id').onDelete('cascade'),
    )
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_mentions_pk', ['message_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('message_mentions_user_idx')
    .on('message_mentions')
    .columns(['conversation_id', 'user_id', 'seq'])
    .execute();

  await db.schema
    .createTable('pins')
    .addColumn('message_id', 'text', (c) =>
      c.primaryKey().references('messages.id').onDelete('cascade'),
    )
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('pinned_by', 'text', (c) => c.notNull())
    .addColumn('pinned_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('pins_conversation_idx')
    .on('pins')
    .columns(['conversation_id', 'pinned_at'])
    .execute();

  // Per user and thread: the highest reply seq they have read.
  await db.schema
    .createTable('thread_reads')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('root_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('last_read_seq', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('thread_reads_pk', ['user_id', 'root_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('thread_reads').execute();
  await db.schema.dropTable('pins').execute();
  await db.schema.dropTable('message_mentions').execute();
  await db.schema.dropIndex('messages_thread_idx').execute();
  for (const column of [
    'thread_participants',
    'thread_last_reply_seq',
    'thread_last_reply_at',
    'thread_reply_count',
    'in_channel',
    'thread_root_id',
    'forwarded',
    'mentions',
  ]) {
    await db.schema.alterTable('messages').dropColumn(column).execute();
  }
}
