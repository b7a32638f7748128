import type { Kysely } from 'kysely';

// Link previews: a per-message JSON column (filled after the send, never on its path), a cache
// by URL shared by every message that links the same page, and a durable job per message that
// any instance may claim (at least once; the lease expires if the instance dies).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('link_preview', 'text').execute();
  await db.schema
    .createTable('link_previews')
    .addColumn('url', 'text', (c) => c.primaryKey())
    .addColumn('preview', 'text') // JSON; null: the page gave nothing to show
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('link_preview_jobs')
    .addColumn('message_id', 'text', (c) =>
      c.primaryKey().references('messages.id').onDelete('cascade'),
    )
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('link_preview_jobs_lease_idx')
    .on('link_preview_jobs')
    .column('lease_until')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('link_preview_jobs').execute();
  await db.schema.dropTable('link_previews').execute();
  await db.schema.alterTable('messages').dropColumn('link_preview').execute();
}
