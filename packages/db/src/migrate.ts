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
import * as administration from './migrations/20261202T0200-administration.ts';
import * as blocksPrivacyAccount from './migrations/20261202T0300-blocks-privacy-account.ts';
import * as conversationFeatures from './migrations/20261202T0400-conversation-features.ts';
import * as conversationOrganizing from './migrations/20261202T0500-conversation-organizing.ts';
import * as linkPreviews from './migrations/20261202T0510-link-previews.ts';
import * as eventRetention from './migrations/20261202T0800-event-retention.ts';
import * as messageRetention from './migrations/20261202T0810-message-retention.ts';
import * as webhooks from './migrations/20261202T0900-webhooks.ts';
import * as eventMessageRef from './migrations/20261202T1000-event-message-ref.ts';
import * as partialIndexes from './migrations/20261202T1100-partial-indexes.ts';
import * as unreadCountCache from './migrations/20261202T1200-unread-count-cache.ts';

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
  '20261202T0800-event-retention': eventRetention,
  '20261202T0300-blocks-privacy-account': blocksPrivacyAccount,
  '20261202T0500-conversation-organizing': conversationOrganizing,
  '20261202T0400-conversation-features': conversationFeatures,
  '20261202T0810-message-retention': messageRetention,
  '20261202T0200-administration': administration,
  '20261202T0510-link-previews': linkPreviews,
  '20261202T0900-webhooks': webhooks,
  '20261202T1000-event-message-ref': eventMessageRef,
  '20261202T1100-partial-indexes': partialIndexes,
  '20261202T1200-unread-count-cache': unreadCountCache,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Held (PostgreSQL) while migrating: Kysely's introspection reads every schema of the database,
// so schema DDL elsewhere (another instance, a test dropping its schema) must not interleave.
export const MIGRATION_LOCK_KEY = 0x70617232; // "par2"

async function migrate(
  db: Kysely<any>,
  migrationTableSchema?: string,
  target?: string,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = target
      ? await migrator.migrateTo(target)
      : await migrator.migrateToLatest();
    if (!error) return (results ?? []).map((r) => r.migrationName);
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // Before any migration runs, Kysely's introspection lists the tables of every schema; a
    // table dropped meanwhile in another schema (another suite's cleanup, another app's DDL
    // outside our lock) fails that listing with undefined_table. Nothing was applied: again.
    if (!failed && (error as { code?: unknown }).code === '42P01' && attempt < 3) continue;
    throw new Error(`migration ${failed ?? 'unknown'} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

/** The migrations this build knows, oldest first (names are their timestamps). */
export const migrationNames = Object.keys(migrations).sort();

/**
 * Brings the schema up to and including `name` only (upgrade tests build a previous release's
 * database with it). Migrations are forward-only: there is no way down.
 */
export async function migrateTo(db: Kysely<any>, name: string): Promise<string[]> {
  if (!migrations[name]) throw new Error(`no migration ${name}`);
  return migrateToLatest(db, name);
}

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, target?: string): Promise<string[]> {
  if (dialectOf(db) !== 'postgres') return migrate(db, undefined, target);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      // Pin the bookkeeping tables to the schema we run in: Kysely otherwise looks for them in
      // every schema and can mistake another schema's tables for ours.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
        conn,
      );
      return await migrate(conn, rows[0]?.schema, target);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
