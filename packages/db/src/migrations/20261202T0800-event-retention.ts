import type { Kysely } from 'kysely';

// Event-log retention: how far the log has been pruned. A resume from a cursor below it
// cannot be served (events after the cursor are gone) and answers RESYNC_REQUIRED.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_log_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('event_log_state').execute();
}
