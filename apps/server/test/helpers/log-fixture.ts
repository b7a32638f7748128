import { latestEventId, nextIds } from '@parley/db';
import type { TestServer } from './test-server.ts';

export interface ForeignEvents {
  count: number;
  /** Conversations the events belong to (none of them the test users'). */
  conversations?: number;
  /** Address this share of them to `userId` within `conversationId` (someone else's event). */
  addressed?: { userId: string; conversationId: string; every: number };
}

const PAYLOAD = JSON.stringify({
  type: 'message.created',
  message: { id: '01FOREIGN', seq: 1, text: 'somebody else talking about something else' },
});

/**
 * Grows the event log by direct inserts (a fixture, not the write path): `count` events of
 * other people's conversations, after the newest event, in a few hundred milliseconds.
 */
export async function insertForeignEvents(server: TestServer, options: ForeignEvents) {
  const { db } = server.server;
  const ids = nextIds((await latestEventId(db.db)) ?? '', options.count);
  const at = new Date(server.clock.now()).toISOString();
  const conversations = options.conversations ?? 1000;
  const rowAt = (i: number) => {
    const a = options.addressed;
    return a && i % a.every === 0
      ? [ids[i]!, a.conversationId, a.userId]
      : [ids[i]!, `FOREIGN${i % conversations}`, null];
  };
  if (db.sqlite) {
    const insert = db.sqlite.prepare(
      'insert into events (id, conversation_id, user_id, type, payload, created_at) values (?, ?, ?, ?, ?, ?)',
    );
    db.sqlite.transaction(() => {
      for (let i = 0; i < ids.length; i++) insert.run(...rowAt(i), 'message.created', PAYLOAD, at);
    })();
    return ids;
  }
  // PostgreSQL: multi-row inserts of 5,000 rows (6 parameters each, under the 65,535 limit).
  for (let start = 0; start < ids.length; start += 5_000) {
    const rows = ids.slice(start, start + 5_000).map((_, j) => {
      const [id, conversation_id, user_id] = rowAt(start + j);
      return {
        id: id!,
        conversation_id,
        user_id,
        type: 'message.created',
        payload: PAYLOAD,
        created_at: at,
      };
    });
    await db.db.insertInto('events').values(rows).execute();
  }
  return ids;
}
