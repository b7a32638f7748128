import type { Kysely } from 'kysely';

// Files (uploads, their derived thumbnails live in the blob store) and message attachments.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('placeholder', 'text')
    .addColumn('thumbnail_sizes', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'text')
    .addColumn('deleted_at', 'text')
    .execute();
  await db.schema.createIndex('files_owner_idx').on('files').column('owner_id').execute();
  // The sweep looks for old uploads that were never attached.
  await db.schema
    .createIndex('files_unattached_idx')
    .on('files')
    .columns(['attached_at', 'created_at'])
    .execute();

  await db.schema
    .createTable('message_attachments')
    .addColumn('message_id', 'text', (c) =>
      c.notNull().references('messages.id').onDelete('cascade'),
    )
    .addColumn('file_id', 'text', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_attachments_pk', ['message_id', 'file_id'])
    .execute();
  await db.schema
    .createIndex('message_attachments_file_idx')
    .on('message_attachments')
    .column('file_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('message_attachments').execute();
  await db.schema.dropTable('files').execute();
}
