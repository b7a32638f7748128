import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresAdapter,
  sql,
} from 'kysely';
import * as init from './migrations/20261123T1300-init.ts';
import * as groupMembership from './migrations/20261123T1400-group-membership.ts';
import * as broadcastLists from './migrations/20261123T1410-broadcast-lists.ts';

// Static list rather than a folder scan: works the same from source, bundles and tests.
const migrations: Record<string, Migration> = {
  '20261123T1300-init': init,
  '20261123T1400-group-membership': groupMembership,
  '20261123T1410-broadcast-lists': broadcastLists,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema to the latest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema: await currentSchema(db) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}

/**
 * PostgreSQL: the schema the connection works in. Kysely looks for its migration tables in
 * every schema unless told which one, so another schema's tables in the same database (another
 * app, or a parallel test's schema) would make it skip creating ours and fail.
 */
async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}
