import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery } from 'kysely';
import type { DbOrTx } from './database.ts';

// better-sqlite3 runs every query on the calling thread: a read that takes 300 ms (ranking the
// full-text matches of a common word in a large corpus) stalls every other request for 300 ms.
// Reads that can be long by nature run here instead, on a read-only connection of the same
// file in a worker thread (WAL mode lets it read while the main connection writes). It sees
// everything committed before the query starts; the main thread only waits.
//
// The same thread checkpoints the WAL (when asked to): SQLite checkpoints on the committing
// connection, every 1,000 pages by default, a copy and an fsync on the main thread that stall
// every request for a few milliseconds (much longer on a busy disk). Here a second connection
// runs PASSIVE checkpoints, which never block the writer, and the main connection stops
// checkpointing. One thread for both: each worker thread is a V8 isolate and a Node
// environment, about 10 MB of RSS (docs/benchmarks.md, "Idle memory"). A checkpoint waits
// while a long read runs (and a read while a checkpoint runs): the WAL may grow for as long as
// a search takes, which a checkpoint could not have shortened anyway past the pages that
// read's snapshot still needs.

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.filename, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
let checkpoints = null;
let timer = null;
const checkpoint = () => {
  try { checkpoints.pragma('wal_checkpoint(PASSIVE)'); }
  catch (err) { parentPort.postMessage({ checkpointError: String((err && err.message) || err) }); }
};
if (workerData.checkpointMs) {
  checkpoints = new Database(workerData.filename, { fileMustExist: true });
  checkpoints.pragma('busy_timeout = 5000');
  timer = setInterval(checkpoint, workerData.checkpointMs);
}
const statements = new Map();
parentPort.on('message', (m) => {
  if (m === 'stop') {
    if (checkpoints) { clearInterval(timer); checkpoint(); checkpoints.close(); }
    db.close();
    process.exit(0);
  }
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

export interface BackgroundCheckpoints {
  /** The main connection: it stops checkpointing while the worker does it. */
  database: SQLite.Database;
  intervalMs: number;
  onError: (message: string) => void;
}

/**
 * Starts the worker now (a first search must not wait for a thread and a connection to come
 * up: that took up to a second on a loaded machine; with `checkpoints` it must run anyway) and
 * again on the next query after a crash. With `checkpoints`, the worker also checkpoints the
 * WAL; while it is gone (a crash, until the next query restarts it) the main connection
 * checkpoints on commits again, so the WAL never grows without bound.
 */
export function createOffThreadReader(
  filename: string,
  options: { checkpoints?: BackgroundCheckpoints } = {},
): OffThreadReader {
  const { checkpoints } = options;
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
      workerData: {
        filename,
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        checkpointMs: checkpoints?.intervalMs,
      },
    });
    w.unref();
    if (checkpoints?.database.open) checkpoints.database.pragma('wal_autocheckpoint = 0');
    w.on(
      'message',
      (m: { id: number; rows?: unknown[]; error?: string; checkpointError?: string }) => {
        if (m.checkpointError !== undefined) {
          checkpoints?.onError(m.checkpointError);
          return;
        }
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        // Idle, the worker does not keep the process alive; busy, it does (a script awaiting).
        if (pending.size === 0) w.unref();
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.rows ?? []);
      },
    );
    const gone = (error: Error) => {
      if (worker !== w) return;
      worker = null;
      failAll(error);
      if (checkpoints && !stopped) {
        // Without the worker the WAL would grow forever: checkpoint on commits again.
        if (checkpoints.database.open) checkpoints.database.pragma('wal_autocheckpoint = 1000');
        checkpoints.onError(error.message);
      }
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
      if (stopped) return;
      stopped = true;
      const w = worker;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      // Referenced until it exits: an idle worker is unreferenced, and a script whose last
      // handle it was would end (exit code 13, a top-level await left pending) before
      // `destroy()` resolved and the code after it ran.
      w.ref();
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
