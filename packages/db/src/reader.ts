import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Compilable, CompiledQuery } from 'kysely';
import type { DbOrTx } from './database.ts';

// better-sqlite3 runs every query on the calling thread: a read that takes 300 ms (ranking the
// full-text matches of a common word in a large corpus) stalls every other request for 300 ms.
// Reads that can be long by nature run here instead, on a read-only connection of the same
// file in a worker thread (WAL mode lets it read while the main connection writes). It sees
// everything committed before the query starts; the main thread only waits.

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.filename, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', (m) => {
  if (m === 'stop') { db.close(); process.exit(0); }
  try {
    let statement = statements.get(m.sql);
    if (!statement) {
      statement = db.prepare(m.sql);
      if (statements.size < 200) statements.set(m.sql, statement);
    }
    parentPort.postMessage({ id: m.id, rows: statement.all(m.parameters) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

/** Runs read-only queries off the main thread (SQLite files; none for PostgreSQL or :memory:). */
export interface OffThreadReader {
  /** The rows of a compiled read-only query; queries run one at a time, in order. */
  all<T>(query: CompiledQuery): Promise<T[]>;
  stop(): Promise<void>;
}

interface Pending {
  resolve(rows: unknown[]): void;
  reject(error: Error): void;
}

/**
 * Starts the worker now (a first search must not wait for a thread and a connection to come
 * up: that took up to a second on a loaded machine) and again on the next query after a crash.
 */
export function createOffThreadReader(filename: string): OffThreadReader {
  let worker: Worker | null = null;
  let nextId = 0;
  let stopped = false;
  const pending = new Map<number, Pending>();
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const start = () => {
    const w = new Worker(WORKER, {
      eval: true,
      workerData: { filename, module: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    w.unref();
    w.on('message', (m: { id: number; rows?: unknown[]; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      // Idle, the worker does not keep the process alive; busy, it does (a script awaiting).
      if (pending.size === 0) w.unref();
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.rows ?? []);
    });
    const gone = (error: Error) => {
      if (worker === w) worker = null;
      failAll(error);
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`sqlite reader exited (${code})`)));
    return w;
  };
  worker = start();
  return {
    all<T>(query: CompiledQuery): Promise<T[]> {
      if (stopped) return Promise.reject(new Error('sqlite reader stopped'));
      worker ??= start();
      const id = nextId++;
      const w = worker;
      return new Promise<T[]>((resolve, reject) => {
        if (pending.size === 0) w.ref();
        pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
        w.postMessage({ id, sql: query.sql, parameters: query.parameters });
      });
    },
    async stop() {
      stopped = true;
      const w = worker;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      w.postMessage('stop');
      await exited;
    },
  };
}

const readers = new WeakMap<object, OffThreadReader>();

/** Makes `reader` serve long reads of `db` (createDb does it for SQLite files). */
export function attachOffThreadReader(db: DbOrTx, reader: OffThreadReader): void {
  readers.set(db, reader);
}

/**
 * The off-thread reader of `db`, or null: PostgreSQL (its queries never block the event
 * loop), an in-memory SQLite database, or inside a transaction (which must see its own writes).
 */
export function offThreadReaderOf(db: DbOrTx): OffThreadReader | null {
  return db.isTransaction ? null : (readers.get(db) ?? null);
}

/**
 * Runs a read-only query on `db`'s off-thread reader when it has one, else on `db` itself: for
 * reads whose size the caller does not bound (a user's whole history in an export).
 */
export async function readOffMainThread<T>(
  db: DbOrTx,
  query: Compilable<T> & { execute(): Promise<T[]> },
): Promise<T[]> {
  const reader = offThreadReaderOf(db);
  return reader ? reader.all<T>(query.compile()) : query.execute();
}
