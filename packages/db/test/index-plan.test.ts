import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { createDb, type Database, type DbHandle, migrateToLatest } from '../src/index.ts';
import { createPgSchema, describeEachDialect } from '../testing.ts';

// `events_user_idx` and `messages_thread_idx` hold only non-null keys (a conversation's events
// and unthreaded messages cost no index entry on the send path); the lookups by user and by
// thread must still be index walks on both dialects.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function plan(
  db: Kysely<Database>,
  dialect: string,
  query: { sql: string; parameters: readonly unknown[] },
) {
  const explain = dialect === 'postgres' ? 'explain (costs off)' : 'explain query plan';
  const { rows } = await db.executeQuery<Record<string, string>>(
    CompiledQuery.raw(`${explain} ${query.sql}`, [...query.parameters]),
  );
  return rows.map((r) => r.detail ?? r['QUERY PLAN']).join('\n');
}

describeEachDialect('partial indexes', (dialect) => {
  it('looks events up by user and replies up by thread through indexes without null keys', async () => {
    let handle: DbHandle;
    if (dialect === 'postgres') {
      const schema = await createPgSchema();
      cleanups.push(() => schema.drop());
      handle = createDb({ dialect: 'postgres', url: schema.url, poolSize: 1 });
    } else {
      handle = createDb({ dialect: 'sqlite', filename: ':memory:' });
    }
    cleanups.push(() => handle.destroy());
    const { db } = handle;
    await migrateToLatest(db);
    // An empty PostgreSQL table is read sequentially whatever its indexes: ask for the index.
    if (dialect === 'postgres') await sql`set enable_seqscan = off`.execute(db);

    const indexes = await (dialect === 'postgres'
      ? // Only this schema's: other suites create and drop their own schemas meanwhile, and
        // reading the definition of an index being dropped fails.
        sql<{ def: string }>`select indexdef as def from pg_indexes
          where schemaname = current_schema()
            and indexname in ('events_user_idx', 'messages_thread_idx') order by indexname`
      : sql<{ def: string }>`select sql as def from sqlite_master
          where name in ('events_user_idx', 'messages_thread_idx') order by name`
    ).execute(db);
    expect(indexes.rows.map((r) => r.def.replace(/[()"]/g, ''))).toEqual([
      expect.stringMatching(/events_user_idx .*user_id, id.* where user_id is not null$/i),
      expect.stringMatching(
        /messages_thread_idx .*thread_root_id, seq.* where thread_root_id is not null$/i,
      ),
    ]);

    const byUser = db
      .selectFrom('events')
      .selectAll()
      .where('user_id', '=', '01USER')
      .where('id', '>', '01AFTER')
      .orderBy('id')
      .limit(50)
      .compile();
    expect(await plan(db, dialect, byUser)).toMatch(/events_user_idx/);
    const byThread = db
      .selectFrom('messages')
      .selectAll()
      .where('thread_root_id', '=', '01ROOT')
      .orderBy('seq')
      .limit(50)
      .compile();
    expect(await plan(db, dialect, byThread)).toMatch(/messages_thread_idx/);
  });
});
