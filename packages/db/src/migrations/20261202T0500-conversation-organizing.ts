import type { Kysely } from 'kysely';

// Per-member organizing state (archive, pin, marked unread, draft) lives on the membership row:
// it goes with the membership (leaving a group drops it) and the conversation list reads it in
// the join it already makes. Receipt history keeps when each watermark moved (compacted).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('members')
    .addColumn('archived_seq', 'integer') // archived as of this seq; a later message unarchives
    .execute();
  await db.schema.alterTable('members').addColumn('pinned_at', 'text').execute();
  await db.schema
    .alterTable('members')
    .addColumn('marked_unread', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('members')
    .addColumn('draft_text', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.alterTable('members').addColumn('draft_updated_at', 'text').execute();
  await db.schema
    .createIndex('members_user_pinned_idx')
    .on('members')
    .columns(['user_id', 'pinned_at'])
    .execute();

  await db.schema
    .createTable('receipt_history')
    .addColumn('conversation_id', 'text', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull()) // 'delivered' | 'read'
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('receipt_history_pk', ['conversation_id', 'user_id', 'kind', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('receipt_history').execute();
  await db.schema.dropIndex('members_user_pinned_idx').execute();
  for (const column of [
    'draft_updated_at',
    'draft_text',
    'marked_unread',
    'pinned_at',
    'archived_seq',
  ]) {
    await db.schema.alterTable('members').dropColumn(column).execute();
  }
}
