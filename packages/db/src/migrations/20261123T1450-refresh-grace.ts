import type { Kysely } from 'kysely';

// Refresh-token grace: a rotated token remembers its successor, and whether its one grace
// re-presentation was spent (see refresh() in packages/api/src/auth/accounts.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').addColumn('replaced_by', 'text').execute();
  await db.schema.alterTable('refresh_tokens').addColumn('grace_used_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').dropColumn('grace_used_at').execute();
  await db.schema.alterTable('refresh_tokens').dropColumn('replaced_by').execute();
}
