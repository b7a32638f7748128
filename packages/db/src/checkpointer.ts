import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

// SQLite checkpoints its WAL into the database file on the committing connection, every 1,000
// pages by default: a copy and an fsync on the main thread, stalling every request for a few
// milliseconds (much longer on a busy disk). Here a worker thread with its own connection runs
// PASSIVE checkpoints, which never block the writer; the main connection stops checkpointing.

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => { try { db.pragma('wal_checkpoint(' + mode + ')'); } catch (err) { parentPort.postMessage({ error: String(err) }); } };
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); checkpoint('PASSIVE'); db.close(); process.exit(0); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  database: SQLite.Database,
  filename: string,
  options: { intervalMs: number; onError: (message: string) => void },
): Checkpointer {
  database.pragma('wal_autocheckpoint = 0');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      filename,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs,
    },
  });
  worker.unref();
  let stopping = false;
  // Without the worker the WAL would grow forever: checkpoint on commits again.
  const fallBack = (message: string) => {
    if (!stopping && database.open) database.pragma('wal_autocheckpoint = 1000');
    options.onError(message);
  };
  worker.on('message', (m: { error?: string }) => m.error && options.onError(m.error));
  worker.on('error', (err) => fallBack(String(err)));
  worker.on('exit', (code) => {
    if (!stopping) fallBack(`checkpoint worker exited (${code})`);
  });
  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}
