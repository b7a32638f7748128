import { afterEach, expect, it } from 'vitest';
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
} from '../src/testing.ts';

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
    const tables = await db.introspection.getTables();
    expect(tables.map((t) => t.name)).toEqual(
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

  it('commits ids in id order, so a reader of id > cursor never skips one', async () => {
    const { db } = await openDb(dialect);
    // Transaction A takes an id and stalls before committing; B starts meanwhile.
    const aMayCommit = deferred();
    const aAllocated = deferred();
    const order: string[] = [];
    const a = db.transaction().execute(async (trx) => {
      await lockEventLog(trx);
      const [row] = await appendEvents(trx, [event(1)]);
      aAllocated.resolve();
      await aMayCommit.promise;
      order.push('A commits');
      return row!.id;
    });
    await aAllocated.promise;
    const b = db.transaction().execute(async (trx) => {
      await lockEventLog(trx);
      order.push('B allocates');
      const [row] = await appendEvents(trx, [event(2)]);
      return row!.id;
    });
    // B is now blocked (PostgreSQL: advisory lock; SQLite: one writer). Let A finish.
    aMayCommit.resolve();
    const [idA, idB] = await Promise.all([a, b]);
    expect(order).toEqual(['A commits', 'B allocates']);
    expect(idB > idA).toBe(true);
  });
});
