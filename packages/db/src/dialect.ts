import { PostgresAdapter, sql } from 'kysely';
import type { DbDialect } from './create-db.ts';
import type { DbOrTx } from './database.ts';

/** Which SQL dialect a db or transaction speaks; for the few dialect-specific functions. */
export function dialectOf(db: DbOrTx): DbDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** A round trip to the database (health checks). */
export async function pingDb(db: DbOrTx): Promise<void> {
  await sql`select 1`.execute(db);
}
