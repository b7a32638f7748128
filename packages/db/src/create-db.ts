import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type KyselyConfig, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from './database.ts';
import { attachOffThreadReader, createOffThreadReader } from './reader.ts';

export type DbDialect = 'sqlite' | 'postgres';

export type DbOptions = (
  | {
      dialect: 'sqlite';
      filename: string;
      /**
       * NORMAL (default) in WAL mode survives a killed process but may lose the last commits on
       * power loss; FULL syncs the WAL on every commit (group commit shares one sync per batch).
       */
      synchronous?: 'NORMAL' | 'FULL';
    }
  | { dialect: 'postgres'; url: string; poolSize?: number }
) & {
  /** SQLite: a background WAL checkpoint failed (the server logs it). */
  onCheckpointError?: (message: string) => void;
  /**
   * PostgreSQL: an idle pooled connection failed (server restarted, network cut). The pool
   * drops it and the next query opens a new one; without a listener the process would crash.
   */
  onConnectionError?: (message: string) => void;
  /**
   * Called with each query's duration and SQL text (metrics, tracing spans), after it ran, in
   * the caller's async context; never with its parameters (the text has placeholders).
   */
  onQuery?: (durationMs: number, failed: boolean, sql: string) => void;
};

/** The better-sqlite3 connection behind Kysely, for the synchronous hot paths. */
export type SqliteConnection = SQLite.Database;

/**
 * A hot path's statements, prepared once per connection and reused: `prepare` runs on a
 * connection's first use only (better-sqlite3 statements belong to their connection).
 */
export function preparedPerConnection<T>(
  prepare: (db: SqliteConnection) => T,
): (db: SqliteConnection) => T {
  const prepared = new WeakMap<SqliteConnection, T>();
  return (db) => {
    let statements = prepared.get(db);
    if (!statements) {
      statements = prepare(db);
      prepared.set(db, statements);
    }
    return statements;
  };
}

export interface DbHandle {
  db: Kysely<Database>;
  dialect: DbDialect;
  /**
   * SQLite only: the one connection Kysely also uses. Use it only while holding Kysely's
   * connection (`db.connection().execute(...)`), so it never runs inside another transaction.
   */
  sqlite: SqliteConnection | null;
  destroy(): Promise<void>;
}

const INT8_OID = 20;

function queryLogger(options: DbOptions): KyselyConfig['log'] {
  const { onQuery } = options;
  if (!onQuery) return undefined;
  return (event) => onQuery(event.queryDurationMillis, event.level === 'error', event.query.sql);
}

/**
 * Switches the file to WAL. Processes that open a new file at the same moment (a CLI next to
 * the server, or scripts in parallel) each hold a shared lock and want the exclusive one:
 * SQLite answers SQLITE_BUSY at once to all but one rather than wait (its deadlock rule, so
 * `busy_timeout` does not help). Try again shortly; by then the file is WAL already.
 */
function enableWal(database: SQLite.Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt === 50) throw error;
      // A synchronous pause (the open is synchronous): 20 ms, at most ~1 s in all.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

export function createDb(options: DbOptions): DbHandle {
  if (options.dialect === 'sqlite') {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    const database = new SQLite(options.filename);
    enableWal(database);
    database.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // The statement journal (what a savepoint needs to roll back: each send of a batch runs in
    // one) stays in memory. By default SQLite spills it to a temporary file once it passes
    // 64 KiB, two or three sends into a batch, and from then on every page a send touches costs
    // a `pwrite` system call: ~20 per message under load (docs/benchmarks.md).
    database.pragma('temp_store = MEMORY');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database }),
      log: queryLogger(options),
    });
    // Long reads (search) run on a read-only connection in a worker thread, which also
    // checkpoints the WAL in the background (reader.ts).
    const reader =
      options.filename === ':memory:'
        ? null
        : createOffThreadReader(options.filename, {
            checkpoints: {
              database,
              intervalMs: 1000,
              onError: (message) => options.onCheckpointError?.(message),
            },
          });
    if (reader) attachOffThreadReader(db, reader);
    return {
      db,
      dialect: 'sqlite',
      sqlite: database,
      async destroy() {
        await reader?.stop();
        await db.destroy();
      },
    };
  }
  // Loaded only for PostgreSQL: a SQLite server never pays for the driver's modules.
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // count(*) and other int8 results fit a JS number for our sizes; parse them as numbers so
    // both dialects return the same types.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('connect', prepareStatements);
  pool.on('error', (error) => options.onConnectionError?.(String(error)));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: queryLogger(options),
  });
  return { db, dialect: 'postgres', sqlite: null, destroy: () => db.destroy() };
}

/** Distinct statements prepared per connection at most; later ones run unnamed (parsed each time). */
const MAX_PREPARED = 500;

/**
 * Makes a connection prepare each parameterized statement once and reuse it (PostgreSQL's
 * extended protocol: Parse once, then only Bind/Execute), as SQLite's prepared hot paths do.
 * Kysely sends the same SQL text for the same query shape, so the text names the statement.
 * Statements without parameters (BEGIN, COMMIT, SAVEPOINT, DDL) stay unnamed.
 */
function prepareStatements(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      let name = names.get(text);
      if (name === undefined && names.size < MAX_PREPARED) {
        name = `parley_${names.size}`;
        names.set(text, name);
      }
      if (name !== undefined) return query({ name, text, values }, callback);
    }
    return query(text, values, callback);
  }) as typeof client.query;
}
