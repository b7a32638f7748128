import { sql } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import {
  appendEvents,
  createDb,
  type DbHandle,
  lockEventLog,
  migrateToLatest,
} from '../src/index.ts';
import {
  createPgSchema,
  type Dialect,
  deferred,
  describeEachDialect,
  type PgSchema,
  tablesOf,
} from '../testing.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openDb(dialect: Dialect, poolSize = 4): Promise<DbHandle> {
  let handle: DbHandle;
  if (dialect === 'postgres') {
    const schema: PgSchema = await createPgSchema();
    handle = createDb({ dialect: 'postgres', url: schema.url, poolSize });
    cleanups.push(() => schema.drop());
  } else {
    handle = createDb({ dialect: 'sqlite', filename: ':memory:' });
  }
  cleanups.push(() => handle.destroy());
  await migrateToLatest(handle.db);
  return handle;
}

/** A write that takes no event-log lock. */
async function writeAUser(trx: Parameters<typeof lockEventLog>[0]): Promise<void> {
  const id = `u-${Math.random()}`;
  const at = new Date().toISOString();
  await trx
    .insertInto('users')
    .values({
      id,
      email: `${id}@example.com`,
      display_name: 'B',
      about: '',
      created_at: at,
      updated_at: at,
    })
    .execute();
}

const event = (n: number) => ({
  conversationId: 'c1',
  type: 'test',
  payload: { n },
  at: new Date().toISOString(),
});

describeEachDialect('event log', (dialect) => {
  it('migrates once and is a no-op the second time', async () => {
    const { db } = await openDb(dialect);
    expect(await migrateToLatest(db)).toEqual([]);
    expect(await tablesOf(db)).toEqual(
      expect.arrayContaining([
        'users',
        'conversations',
        'members',
        'messages',
        'reactions',
        'events',
      ]),
    );
  });

  it('hands out strictly increasing ids, within a batch and across transactions', async () => {
    const { db } = await openDb(dialect);
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      const rows = await db.transaction().execute(async (trx) => {
        await lockEventLog(trx);
        return appendEvents(
          trx,
          Array.from({ length: 50 }, (_, i) => event(round * 50 + i)),
        );
      });
      ids.push(...rows.map((r) => r.id));
    }
    expect(ids).toHaveLength(250);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(250);
  });

  // SQLite allows one writer at a time by construction; only PostgreSQL needs (and has) the lock.
  const itOnPostgres = dialect === 'postgres' ? it : () => {};
  itOnPostgres(
    'lets a second writer work while the first holds ids, then wait for its commit to take its own',
    async () => {
      const { db } = await openDb(dialect);
      const bWrote = deferred();
      const aMayCommit = deferred();
      const aAllocated = deferred();
      let bPassedLock = false;
      const a = db.transaction().execute(async (trx) => {
        await lockEventLog(trx);
        const [row] = await appendEvents(trx, [event(1)]);
        aAllocated.resolve();
        await aMayCommit.promise;
        return row!.id;
      });
      await aAllocated.promise;
      const bPid = deferred<number>();
      const b = db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        bPid.resolve(rows[0]!.pid);
        // Everything before the ids runs in parallel with A (here: a write of its own).
        await writeAUser(trx);
        bWrote.resolve();
        await lockEventLog(trx);
        bPassedLock = true;
        const [row] = await appendEvents(trx, [event(2)]);
        return row!.id;
      });
      // PostgreSQL itself reports B waiting on the advisory lock while A is still open.
      const pid = await bPid.promise;
      await bWrote.promise;
      await vi.waitFor(async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted and pid = ${pid}
        `.execute(db);
        expect(rows[0]?.n).toBe(1);
      });
      expect(bPassedLock).toBe(false);
      aMayCommit.resolve();
      const [idA, idB] = await Promise.all([a, b]);
      expect(bPassedLock).toBe(true);
      expect(idB > idA).toBe(true);
    },
  );
});
