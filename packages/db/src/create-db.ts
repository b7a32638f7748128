import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type KyselyConfig, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';

export type DbDialect = 'sqlite' | 'postgres';

export type DbOptions = (
  | { dialect: 'sqlite'; filename: string }
  | { dialect: 'postgres'; url: string; poolSize?: number }
) & {
  /** Called with each query's duration (metrics); never with its parameters. */
  onQuery?: (durationMs: number, failed: boolean) => void;
};

export interface DbHandle {
  db: Kysely<Database>;
  dialect: DbDialect;
  destroy(): Promise<void>;
}

const INT8_OID = 20;

function queryLogger(options: DbOptions): KyselyConfig['log'] {
  const { onQuery } = options;
  if (!onQuery) return undefined;
  return (event) => onQuery(event.queryDurationMillis, event.level === 'error');
}

export function createDb(options: DbOptions): DbHandle {
  if (options.dialect === 'sqlite') {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    const database = new SQLite(options.filename);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database }),
      log: queryLogger(options),
    });
    return { db, dialect: 'sqlite', destroy: () => db.destroy() };
  }
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
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: queryLogger(options),
  });
  return { db, dialect: 'postgres', destroy: () => db.destroy() };
}
