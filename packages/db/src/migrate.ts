import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { dialectOf } from './dialect.ts';
import * as init from './migrations/20261123T1300-init.ts';
import * as messageSearch from './migrations/20261123T1400-message-search.ts';
import * as files from './migrations/20261123T1410-files.ts';
import * as groupMembership from './migrations/20261123T1420-group-membership.ts';
import * as broadcastLists from './migrations/20261123T1430-broadcast-lists.ts';
import * as otpAndNotifications from './migrations/20261123T1440-otp-and-notifications.ts';
import * as refreshGrace from './migrations/20261123T1450-refresh-grace.ts';
import * as deferredSearchIndex from './migrations/20261201T0800-deferred-search-index.ts';
import * as conversationOrganizing from './migrations/20261202T0500-conversation-organizing.ts';
import * as linkPreviews from './migrations/20261202T0510-link-previews.ts';

// Static list rather than a folder scan: works the same from source, bundles and tests.
const migrations: Record<string, Migration> = {
  '20261123T1300-init': init,
  '20261123T1400-message-search': messageSearch,
  '20261123T1410-files': files,
  '20261123T1420-group-membership': groupMembership,
  '20261123T1430-broadcast-lists': broadcastLists,
  '20261123T1440-otp-and-notifications': otpAndNotifications,
  '20261123T1450-refresh-grace': refreshGrace,
  '20261201T0800-deferred-search-index': deferredSearchIndex,
  '20261202T0500-conversation-organizing': conversationOrganizing,
  '20261202T0510-link-previews': linkPreviews,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Held (PostgreSQL) while migrating: Kysely's introspection reads every schema of the database,
// so schema DDL elsewhere (another instance, a test dropping its schema) must not interleave.
export const MIGRATION_LOCK_KEY = 0x70617232; // "par2"

async function migrate(db: Kysely<any>, migrationTableSchema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  if (dialectOf(db) !== 'postgres') return migrate(db);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      // Pin the bookkeeping tables to the schema we run in: Kysely otherwise looks for them in
      // every schema and can mistake another schema's tables for ours.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
        conn,
      );
      return await migrate(conn, rows[0]?.schema);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
