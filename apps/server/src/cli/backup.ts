import { existsSync, mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../config.ts';
import type { Command } from './main.ts';

/**
 * An online backup of the SQLite database (DATA_DIR/parley.db) with SQLite's backup API, safe
 * while the server runs and writes: the copy is a consistent snapshot of one moment (every
 * transaction committed by then, none after). Written to `<file>.partial`, then renamed, so a
 * file at `<file>` is always a complete backup. Uploaded files (DATA_DIR/files) are not in it.
 */
export async function backupSqlite(source: string, target: string): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new Error(`no database at ${source}`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  await rm(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // All remaining pages in one step: a step is one read transaction, so a write by the
    // server between steps cannot make the copy start over again and again under load.
    const result = await db.backup(partial, { progress: () => 1_000_000_000 });
    await rename(partial, target);
    return { pages: result.totalPages };
  } finally {
    db.close();
  }
}

export const command: Command = {
  summary: 'copy the SQLite database to <file> while the server runs',
  usage: 'pnpm parley backup <file>',
  async run(args) {
    const [file] = args;
    if (!file || args.length !== 1) {
      console.error(`Usage: ${this.usage}`);
      return 64;
    }
    const config = loadConfig();
    if (config.DATABASE_URL) {
      console.error(
        'DATABASE_URL is set: back up PostgreSQL with pg_dump (see docs/operations.md).',
      );
      return 2;
    }
    const source = join(config.dataDir, 'parley.db');
    const target = resolve(file);
    const started = Date.now();
    const { pages } = await backupSqlite(source, target);
    console.log(
      JSON.stringify({ backup: target, source, pages, durationMs: Date.now() - started }),
    );
    return 0;
  },
};
