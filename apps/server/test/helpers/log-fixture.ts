import { PLAIN_MESSAGE } from '@parley/api';
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
    // The insert held this process (the server's too) for a while: on a loaded machine longer
    // than HTTP keep-alive. Let the expired keep-alive timers close idle sockets (and the
    // client see them closed) before the test's next call, or it is written to a socket the
    // server is about to close (ECONNRESET, seen once in a full run).
    await afterTimers();
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

/** Two turns of the event loop: expired timers run, then the sockets they closed are seen. */
async function afterTimers(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Appends `texts` to a conversation as `senderId`'s messages by direct inserts (a fixture, not
 * the write path; no events), with increasing ids and seqs after the conversation's last one.
 * Returns the ids in order. SQLite's search index catches up with them on the next search.
 */
export async function insertMessages(
  server: TestServer,
  conversationId: string,
  senderId: string,
  texts: string[],
): Promise<string[]> {
  const { db } = server.server.db;
  const { last_seq } = await db
    .selectFrom('conversations')
    .select('last_seq')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const last = await db
    .selectFrom('messages')
    .select('id')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const ids = nextIds(last?.id ?? '', texts.length);
  const at = new Date(server.clock.now()).toISOString();
  // 1,000 rows per statement: under both dialects' parameter limits.
  for (let start = 0; start < texts.length; start += 1_000) {
    await db
      .insertInto('messages')
      .values(
        texts.slice(start, start + 1_000).map((text, j) => ({
          id: ids[start + j]!,
          conversation_id: conversationId,
          seq: last_seq + start + j + 1,
          sender_id: senderId,
          client_message_id: `fixture-${ids[start + j]}`,
          kind: 'text' as const,
          text,
          reply_to_id: null,
          created_at: at,
          edited_at: null,
          deleted_at: null,
          system: null,
          ...PLAIN_MESSAGE,
        })),
      )
      .execute();
  }
  await db
    .updateTable('conversations')
    .set({ last_seq: last_seq + texts.length })
    .where('id', '=', conversationId)
    .execute();
  return ids;
}
