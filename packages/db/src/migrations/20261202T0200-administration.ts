import type { Kysely } from 'kysely';

// Administration (issue 15): server-wide roles and bans, bot users, the moderator marker on
// tombstones, reports, the audit log and API keys. Dialect-neutral: text ids, ISO timestamps.
export async function up(db: Kysely<any>): Promise<void> {
  // 'user' | 'moderator' | 'admin' (ADMIN_EMAILS adds admins at run time, not here).
  await db.schema
    .alterTable('users')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('user'))
    .execute();
  // 'person' | 'bot' (a bot is the user an API key acts as).
  await db.schema
    .alterTable('users')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('person'))
    .execute();
  // Set while banned; `banned_until` null with `banned_at` set means "until unbanned".
  await db.schema.alterTable('users').addColumn('banned_at', 'text').execute();
  await db.schema.alterTable('users').addColumn('banned_until', 'text').execute();
  await db.schema.alterTable('users').addColumn('ban_reason', 'text').execute();
  await db.schema.createIndex('users_banned_idx').on('users').column('banned_at').execute();

  // Who removed a tombstoned message: 'sender' | 'group_admin' | 'moderator' (null: not deleted,
  // or deleted before this column existed, which only senders could do).
  await db.schema.alterTable('messages').addColumn('deleted_by', 'text').execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reporter_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'text', (c) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('target_message_id', 'text', (c) => c.references('messages.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution', 'text')
    .execute();
  await db.schema
    .createIndex('reports_status_idx')
    .on('reports')
    .columns(['status', 'id'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('bot_user_id', 'text', (c) =>
      c.notNull().unique().references('users.id').onDelete('cascade'),
    )
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('reports').execute();
  await db.schema.alterTable('messages').dropColumn('deleted_by').execute();
  await db.schema.dropIndex('users_banned_idx').execute();
  for (const column of ['ban_reason', 'banned_until', 'banned_at', 'kind', 'role']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
