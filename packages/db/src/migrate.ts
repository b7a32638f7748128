import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { dialectOf } from './dialect.ts';
import * as init from './migrations/20261123T1300-init.ts';
import * as messageSearch from './migrations/20261123T1400-message-search.ts';
import * as files from './migrations/20261123T1410-files.ts';
import * as groupMembership from './migrations/20261123T1420-group-membership.ts';
import * as broadcastLists from './migrations/20261123T1430-broadcast-lists.ts';

// Static list rather than a folder scan: works the same from source, bundles and tests.
const migrations: Record<string, Migration> = {
  '20261123T1300-init': init,
  '20261123T1400-message-search': messageSearch,
  '20261123T1410-files': files,
  '20261123T1420-group-membership': groupMembership,
  '20261123T1430-broadcast-lists': broadcastLists,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db);
    } catch (error) {
      if (attempt >= 10 || !otherSchemaDropped(error)) throw error;
    }
  }
}

/**
 * Kysely's migrator checks for its tables by listing every schema with
 * `has_schema_privilege(name, ...)`, which fails with 3F000 when another schema of the same
 * database is dropped meanwhile (parallel test servers, other tenants). A failed attempt
 * changed nothing (the migrations run in one transaction), so trying again is safe.
 */
function otherSchemaDropped(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return cause?.code === '3F000';
}

async function migrateOnce(db: Kysely<any>): Promise<string[]> {
  // On PostgreSQL, pin the bookkeeping tables to the schema we run in: Kysely otherwise looks
  // for them in every schema and can mistake another schema's tables for ours.
  const migrationTableSchema =
    dialectOf(db) === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]
          ?.schema
      : undefined;
  const migrator = new Migrator({ db, provider, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}
