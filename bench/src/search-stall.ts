// In-process probe of the SQLite search (issue 19): fills a database file by direct inserts
// (a big chat of the searcher, and a foreign chat of the same size pattern), then times
// `searchMessages` and the worst event-loop stall meanwhile (a 1 ms timer's lateness), run
// on the off-thread reader (the server's path) and on the main thread (inside a transaction,
// where the reader is not used); with --old, the search query before issue 19 once.
//
//   pnpm --filter @parley/bench exec tsx src/search-stall.ts --messages 20000 [--foreign 0]
//        [--word delta] [--old]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PLAIN_MESSAGE } from '@parley/api';
import { catchUpSearchIndex, createDb, migrateToLatest, nextIds, searchMessages } from '@parley/db';
import { sql } from 'kysely';
import { tempDir } from './server-process.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    foreign: { type: 'string', default: '0' },
    word: { type: 'string', default: 'delta' },
    old: { type: 'boolean', default: false },
  },
});
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india'];
const word = args.word.toLowerCase().replace(/[^a-z0-9]/g, '');
const dir = await tempDir('search-stall');
const handle = createDb({ dialect: 'sqlite', filename: join(dir.path, 'parley.db') });
const { db } = handle;
const at = new Date().toISOString();

async function fill(conversationId: string, senderId: string, count: number) {
  let previous = '';
  for (let done = 0; done < count; done += 1000) {
    const ids = nextIds(previous, Math.min(1000, count - done));
    previous = ids.at(-1)!;
    await db
      .insertInto('messages')
      .values(
        ids.map((id, i) => ({
          id,
          conversation_id: conversationId,
          seq: done + i + 1,
          sender_id: senderId,
          client_message_id: `fill-${done + i}`,
          kind: 'text' as const,
          text: `${WORDS[(done + i) % 9]} ${WORDS[(done + i) % 7]} message number ${done + i}`,
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
}

/** Runs `once` `runs` times: its median and max time, and the worst event-loop stall. */
async function probe(runs: number, once: () => Promise<unknown>) {
  const times: number[] = [];
  const stalls: number[] = [];
  for (let i = 0; i < runs; i++) {
    let last = performance.now();
    let worst = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - 1);
      last = now;
    }, 1);
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
    clearInterval(tick);
    stalls.push(worst);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    medianMs: r(median(times)),
    maxMs: r(Math.max(...times)),
    stallMedianMs: r(median(stalls)),
    stallMaxMs: r(Math.max(...stalls)),
  };
}

try {
  await migrateToLatest(db);
  for (const id of ['searcher', 'peer', 'stranger']) {
    await db
      .insertInto('users')
      .values({
        id,
        email: `${id}@example.com`,
        display_name: id,
        about: '',
        created_at: at,
        updated_at: at,
      })
      .execute();
  }
  const chats = [
    ['big', ['searcher', 'peer']],
    ['foreign', ['stranger']],
  ] as const;
  for (const [id, members] of chats) {
    await db
      .insertInto('conversations')
      .values({
        id,
        type: 'direct',
        created_by: members[0],
        created_at: at,
        updated_at: at,
        last_seq: 0,
      })
      .execute();
    for (const user_id of members) {
      await db
        .insertInto('members')
        .values({
          conversation_id: id,
          user_id,
          role: 'member',
          joined_at: at,
          joined_seq: 0,
          last_delivered_seq: 0,
          last_read_seq: 0,
        })
        .execute();
    }
  }
  await fill('big', 'searcher', Number(args.messages));
  await fill('foreign', 'stranger', Number(args.foreign));
  while ((await catchUpSearchIndex(db, 5000)) === 5000) {}
  const search = { userId: 'searcher', terms: [word], limit: 51, offset: 0 };
  await searchMessages(db, search); // starts the reader's worker
  const report: Record<string, unknown> = {
    messagesInBigChat: Number(args.messages),
    foreignMessages: Number(args.foreign),
    word,
    offThread: await probe(5, () => searchMessages(db, search)),
    mainThread: await probe(5, () =>
      db.transaction().execute((trx) => searchMessages(trx, search)),
    ),
  };
  if (args.old) {
    report.oldQueryMainThread = await probe(1, () =>
      sql`select messages.id from messages_fts
        join messages on messages.rowid = messages_fts.rowid
        join members on members.conversation_id = messages.conversation_id
          and members.user_id = 'searcher' and messages.seq > members.joined_seq
        where messages_fts match ${`"${word}"*`} and messages.deleted_at is null
          and messages.kind = 'text'
        order by bm25(messages_fts), messages.id desc limit 51`.execute(db),
    );
  }
  console.log(JSON.stringify(report, null, 2));
} finally {
  await handle.destroy();
  await dir.remove();
}
