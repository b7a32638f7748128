import { CompiledQuery } from 'kysely';
import { expect, it } from 'vitest';
import { createDb, migrateToLatest, searchQuery } from '../src/index.ts';

// The SQLite search must be driven by the full-text match: joined the other way round, the
// planner walked a big chat's messages and ran the whole MATCH once per message (a 100 s
// search of a 20,000-message chat that blocked the server). The plan is pinned here.
it('SQLite: the search plan scans the FTS match once, then looks messages up by rowid', async () => {
  const handle = createDb({ dialect: 'sqlite', filename: ':memory:' });
  try {
    await migrateToLatest(handle.db);
    for (const conversationId of [null, '01CONVERSATION']) {
      const compiled = searchQuery(handle.db, {
        userId: '01USER',
        terms: ['delta', 'echo'],
        conversationId,
        limit: 51,
        offset: 0,
      }).compile(handle.db);
      const { rows } = await handle.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
      );
      const plan = rows.map((r) => r.detail);
      expect(plan[0]).toBe('MATERIALIZE hits');
      // A MATCH without a rowid constraint (INDEX 0:M1), i.e. run once.
      expect(plan).toContain('SCAN messages_fts VIRTUAL TABLE INDEX 0:M1');
      expect(plan.filter((d) => d.includes('messages_fts'))).toHaveLength(1);
      expect(plan).toContain('SCAN hits');
      expect(plan).toContain('SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)');
    }
  } finally {
    await handle.destroy();
  }
});
