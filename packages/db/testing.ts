// Test support shared by every package's suites (imported as @parley/db/testing).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe } from 'vitest';
import type { DbOrTx } from './src/database.ts';
import { dialectOf } from './src/dialect.ts';
import { MIGRATION_LOCK_KEY } from './src/migrate.ts';

export type Dialect = 'sqlite' | 'postgres';

export const postgresUrl = process.env.PARLEY_TEST_POSTGRES_URL;

/** Runs a suite on SQLite always and on PostgreSQL when PARLEY_TEST_POSTGRES_URL is set. */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void): void {
  describe(`${name} [sqlite]`, () => suite('sqlite'));
  describe.skipIf(!postgresUrl)(
    `${name} [postgres]${postgresUrl ? '' : ' (skipped: PARLEY_TEST_POSTGRES_URL is not set)'}`,
    () => suite('postgres'),
  );
}

export interface PgSchema {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh schema per test server (or benchmark run, with its own `baseUrl` and `prefix`),
 * selected through the connection's search_path.
 */
export async function createPgSchema(
  baseUrl: string | undefined = postgresUrl,
  prefix = 't',
): Promise<PgSchema> {
  if (!baseUrl) throw new Error('PARLEY_TEST_POSTGRES_URL is not set');
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      // Never while another suite migrates (its introspection reads every schema).
      await c.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await c.end();
    },
  };
}

/**
 * The tables of this database (SQLite: the full-text index's too) or, on PostgreSQL, of the
 * connection's own schema: Kysely's introspection lists every schema's tables, and fails when
 * another suite drops its schema meanwhile.
 */
export async function tablesOf(db: DbOrTx): Promise<string[]> {
  if (dialectOf(db) !== 'postgres') {
    return (await db.introspection.getTables()).filter((t) => !t.isView).map((t) => t.name);
  }
  const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables
    where schemaname = current_schema()`.execute(db);
  return rows.map((r) => r.name);
}

/** Promise.withResolvers, which Node 20 lacks: for tests that wait on an event, not a timer. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
