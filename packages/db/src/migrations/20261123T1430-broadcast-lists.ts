import type { Kysely } from 'kysely';

// Broadcast lists: a sender's named set of recipients, and a record of each send so the
// sender can see per-recipient receipts and a retry finds the stored send.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('broadcast_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('broadcast_lists_owner_idx')
    .on('broadcast_lists')
    .columns(['owner_id', 'id'])
    .execute();

  await db.schema
    .createTable('broadcast_recipients')
    .addColumn('list_id', 'text', (c) =>
      c.notNull().references('broadcast_lists.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('broadcast_recipients_pk', ['list_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('broadcast_sends')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) =>
      c.notNull().references('broadcast_lists.id').onDelete('cascade'),
    )
    .addColumn('sender_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_message_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('broadcast_sends_sender_client_id_uq', ['sender_id', 'client_message_id'])
    .execute();
  await db.schema
    .createIndex('broadcast_sends_list_idx')
    .on('broadcast_sends')
    .columns(['list_id', 'id'])
    .execute();

  await db.schema
    .createTable('broadcast_deliveries')
    .addColumn('send_id', 'text', (c) =>
      c.notNull().references('broadcast_sends.id').onDelete('cascade'),
    )
    .addColumn('recipient_id', 'text', (c) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('conversation_id', 'text', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('message_id', 'text', (c) =>
      c.notNull().references('messages.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('broadcast_deliveries_pk', ['send_id', 'recipient_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'broadcast_deliveries',
    'broadcast_sends',
    'broadcast_recipients',
    'broadcast_lists',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
