import type { Kysely } from 'kysely';

// Email one-time codes, muting, push subscriptions and the notification outbox.
// Dialect-neutral like the init migration: text ids and ISO timestamps.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('email_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('email_codes_email_idx')
    .on('email_codes')
    .columns(['email', 'id'])
    .execute();
  await db.schema
    .createIndex('email_codes_expires_idx')
    .on('email_codes')
    .column('expires_at')
    .execute();

  // Null: not muted. A far-future value means "until unmuted".
  await db.schema.alterTable('members').addColumn('muted_until', 'text').execute();

  await db.schema
    .createTable('push_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('endpoint', 'text', (c) => c.notNull().unique())
    .addColumn('p256dh', 'text', (c) => c.notNull())
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('push_subscriptions_user_idx')
    .on('push_subscriptions')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) =>
      c.notNull().references('messages.id').onDelete('cascade'),
    )
    .addColumn('sink', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('claimed_until', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  // Pending rows only carry next_attempt_at, so this index is the dispatcher's work queue.
  await db.schema
    .createIndex('notifications_due_idx')
    .on('notifications')
    .column('next_attempt_at')
    .execute();
  await db.schema
    .createIndex('notifications_message_idx')
    .on('notifications')
    .column('message_id')
    .execute();
  await db.schema
    .createIndex('notifications_created_idx')
    .on('notifications')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
  await db.schema.dropTable('push_subscriptions').execute();
  await db.schema.alterTable('members').dropColumn('muted_until').execute();
  await db.schema.dropTable('email_codes').execute();
}
