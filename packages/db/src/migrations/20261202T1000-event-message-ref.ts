import type { Kysely } from 'kysely';

// Smaller events (issue 19, item 4): a plain text message's `message.created` event stores a
// reference to its messages row instead of a second copy of the message (see
// tables/events.ts). Older rows keep their full payload and read as before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').addColumn('message_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('message_id').execute();
}
