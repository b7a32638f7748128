import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { expect, it, vi } from 'vitest';
import { createDb, offThreadReaderOf } from '../src/index.ts';

it('reads a SQLite file off the main thread: committed rows, read-only, errors per query', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-reader-'));
  const handle = createDb({ dialect: 'sqlite', filename: join(dir, 'p.db') });
  try {
    const { db } = handle;
    await sql`create table t (n integer primary key, word text)`.execute(db);
    await sql`insert into t (n, word) values (1, 'one'), (2, 'two')`.execute(db);
    const reader = offThreadReaderOf(db)!;
    expect(reader).not.toBeNull();
    const select = (n: number) => sql`select n, word from t where n >= ${n} order by n`.compile(db);
    expect(await reader.all(select(2))).toEqual([{ n: 2, word: 'two' }]);
    // A commit on the main connection is visible to the next read.
    await sql`insert into t (n, word) values (3, 'three')`.execute(db);
    expect(await reader.all(select(2))).toEqual([
      { n: 2, word: 'two' },
      { n: 3, word: 'three' },
    ]);
    // The connection cannot write; a failed query rejects alone and the reader carries on.
    await expect(reader.all(sql`delete from t returning n`.compile(db))).rejects.toThrow(
      /readonly/,
    );
    await expect(reader.all(sql`select nope from t`.compile(db))).rejects.toThrow(/nope/);
    expect(await reader.all(select(3))).toEqual([{ n: 3, word: 'three' }]);
    // Not inside a transaction (it must see its own writes), nor for an in-memory database.
    await db.transaction().execute(async (trx) => expect(offThreadReaderOf(trx)).toBeNull());
    const memory = createDb({ dialect: 'sqlite', filename: ':memory:' });
    expect(offThreadReaderOf(memory.db)).toBeNull();
    await memory.destroy();
  } finally {
    await handle.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

it('checkpoints the WAL in the background while the main connection does not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-checkpoint-'));
  const filename = join(dir, 'p.db');
  const handle = createDb({ dialect: 'sqlite', filename });
  try {
    const { db, sqlite } = handle;
    // The main connection leaves checkpoints to the worker.
    expect(sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await sql`create table t (n integer primary key, payload text)`.execute(db);
    const before = statSync(filename).size;
    // About 1 MB of rows: only in the WAL until a checkpoint copies them into the file.
    for (let i = 0; i < 4; i++) {
      await sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < 128)
        insert into t (payload) select hex(randomblob(1000)) from s`.execute(db);
    }
    await vi.waitFor(() => expect(statSync(filename).size).toBeGreaterThan(before + 1_000_000), {
      timeout: 15_000,
      interval: 100,
    });
    // The same worker still serves reads.
    const reader = offThreadReaderOf(db)!;
    expect(await reader.all(sql`select count(*) as n from t`.compile(db))).toEqual([{ n: 512 }]);
  } finally {
    await handle.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

it('lets a one-shot script that destroys its handle carry on after destroy()', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-reader-'));
  const script = `
    import { createDb } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    const handle = createDb({ dialect: 'sqlite', filename: ${JSON.stringify(join(dir, 'p.db'))} });
    await handle.db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    await handle.destroy();
    console.log('after destroy');
  `;
  try {
    // The stop raced the event loop running dry: before the fix, all four exited with 13.
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script],
          {
            cwd: import.meta.dirname,
          },
        ).then(
          (r) => ({ code: 0, stdout: r.stdout }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout + e.stderr,
          }),
        ),
      ),
    );
    expect(runs).toEqual(Array(4).fill({ code: 0, stdout: 'after destroy\n' }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
