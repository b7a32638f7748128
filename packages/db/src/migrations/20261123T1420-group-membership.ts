import type { Kysely } from 'kysely';

// Groups: when a member joined, in event-log terms, and structured system messages.
export async function up(db: Kysely<any>): Promise<void> {
  // The last event id in the log when the member joined (taken under the event-log lock).
  // Replay and live fan-out only give a member the conversation's events after it; '' (every
  // row that existed before this migration, and direct chats) means "from the beginning".
  await db.schema
    .alterTable('members')
    .addColumn('joined_after_event_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // JSON text of a system message's structured payload (kind 'system'); null for text.
  await db.schema.alterTable('messages').addColumn('system', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('system').execute();
  await db.schema.alterTable('members').dropColumn('joined_after_event_id').execute();
}
