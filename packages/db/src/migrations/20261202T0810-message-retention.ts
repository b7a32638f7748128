import type { Kysely } from 'kysely';

// Disappearing messages: a conversation's message retention in seconds (null: off). Messages
// older than it are deleted for everyone, with their files and events, by a batched job.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    .addColumn('message_retention_seconds', 'integer')
    .execute();
  // The job finds the conversations with a policy without reading all of them.
  await db.schema
    .createIndex('conversations_message_retention_idx')
    .on('conversations')
    .columns(['message_retention_seconds', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_message_retention_idx').execute();
  await db.schema.alterTable('conversations').dropColumn('message_retention_seconds').execute();
}
