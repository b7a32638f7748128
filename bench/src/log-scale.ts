// The log-scale workload (issue 19): grows the event log by direct inserts (a fixture) and
// measures what a big log must not slow down: a quiet user's resume, the worst stall anyone
// else sees meanwhile, search, history pages, and bytes per message on disk.
//
//   pnpm --filter @parley/bench exec tsx src/log-scale.ts --events 1000000 [--messages 200000]
//        [--database-url postgres://postgres@127.0.0.1:5432/test]
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AppRouter, PLAIN_MESSAGE } from '@parley/api';
import { createDb, type DbHandle, latestEventId, nextIds } from '@parley/db';
import { createPgSchema } from '@parley/db/testing';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { sql } from 'kysely';
import WebSocket from 'ws';
import { startParley, tempDir } from './server-process.ts';
import { mintTokens, newUserIds, parleySystem, seedParleyUsers, type User } from './systems.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    messages: { type: 'string', default: '200000' },
    'database-url': { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const MESSAGES = Number(args.messages);
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india'];
const PAYLOAD = JSON.stringify({
  type: 'message.created',
  conversationId: '01JFOREIGNCONVERSATION0000',
  message: {
    id: '01JFOREIGNMESSAGE000000000',
    conversationId: '01JFOREIGNCONVERSATION0000',
    seq: 1,
    senderId: '01JFOREIGNSENDER0000000000',
    clientMessageId: 'c-1',
    kind: 'text',
    text: 'somebody else talking about something else entirely, at some length',
    replyToId: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    system: null,
  },
});

const ms = (from: number) => Math.round((performance.now() - from) * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Probes /health/live back to back; the worst answer time is everyone else's worst stall. */
function stallProbe(url: string) {
  let worst = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(60_000) })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined); // a timeout counts as the 60 s it waited
      worst = Math.max(worst, performance.now() - t);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Math.round(worst * 10) / 10;
    },
  };
}

const METRICS_TOKEN = randomBytes(16).toString('hex');

/** The server's own worst event-loop stall since the previous scrape (its /metrics gauge). */
async function serverLoopMaxMs(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  }).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith('parley_event_loop_delay_max_seconds '));
  return Math.round(Number(line?.split(' ')[1] ?? Number.NaN) * 10_000) / 10;
}

async function measure(url: string, runs: number, once: () => Promise<void>, what = '') {
  console.error(`${new Date().toISOString()} measuring ${what}`);
  const times: number[] = [];
  await serverLoopMaxMs(url); // resets the gauge
  const probe = stallProbe(url);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await once();
    times.push(ms(t));
  }
  return {
    medianMs: median(times),
    maxMs: Math.max(...times),
    othersWorstStallMs: await probe.stop(),
    serverEventLoopMaxStallMs: await serverLoopMaxMs(url),
  };
}

async function fill(handle: DbHandle, conversationId: string, senderId: string) {
  const at = new Date().toISOString();
  let previous = (await latestEventId(handle.db)) ?? '';
  for (let done = 0; done < EVENTS; done += 5000) {
    const ids = nextIds(previous, Math.min(5000, EVENTS - done));
    previous = ids.at(-1)!;
    await handle.db
      .insertInto('events')
      .values(
        ids.map((id, i) => ({
          id,
          conversation_id: `FOREIGN${(done + i) % 5000}`,
          user_id: null,
          type: 'message.created',
          payload: PAYLOAD,
          created_at: at,
        })),
      )
      .execute();
  }
  // 1,000 rows of 21 columns per statement: under SQLite's 32,766 parameters.
  for (let done = 0; done < MESSAGES; done += 1000) {
    const n = Math.min(1000, MESSAGES - done);
    await handle.db
      .insertInto('messages')
      .values(
        Array.from({ length: n }, (_, i) => ({
          id: nextIds('', 1)[0]!,
          conversation_id: conversationId,
          seq: done + i + 1,
          sender_id: senderId,
          client_message_id: `fill-${done + i}`,
          kind: 'text',
          text: `${WORDS[(done + i) % WORDS.length]} ${WORDS[(done + i) % 7]} message number ${done + i}`,
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
  await handle.db
    .updateTable('conversations')
    .set({ last_seq: MESSAGES })
    .where('id', '=', conversationId)
    .execute();
}

async function diskBytes(handle: DbHandle): Promise<number> {
  if (handle.sqlite) {
    handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const pages = handle.sqlite.pragma('page_count', { simple: true }) as number;
    const free = handle.sqlite.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (handle.sqlite.pragma('page_size', { simple: true }) as number);
  }
  const { rows } = await sql<{ bytes: string }>`
    select (pg_total_relation_size('messages') + pg_total_relation_size('events'))::text as bytes`.execute(
    handle.db,
  );
  return Number(rows[0]!.bytes);
}

async function main() {
  const dir = await tempDir('logscale');
  const pg = args['database-url'] ? await createPgSchema(args['database-url'], 'bench') : undefined;
  const jwtSecret = randomBytes(32).toString('hex');
  const options = {
    jwtSecret,
    dataDir: dir.path,
    databaseUrl: pg?.url,
    instances: 1,
    sqliteSynchronous: 'NORMAL' as const,
    metricsToken: METRICS_TOKEN,
  };
  const server = await startParley(options);
  const url = server.urls[0]!;
  const handle = pg
    ? createDb({ dialect: 'postgres', url: pg.url, poolSize: 2 })
    : createDb({ dialect: 'sqlite', filename: join(dir.path, 'parley.db') });
  try {
    const ids = newUserIds(4);
    await seedParleyUsers(options, ids);
    const [quiet, peer, busy, busyPeer] = (await mintTokens(jwtSecret, ids)) as [
      User,
      User,
      User,
      User,
    ];
    const system = parleySystem(options);
    const chat = await system.openDirect(url, peer, quiet);
    const big = await system.openDirect(url, busy, busyPeer);
    const cursor = (await system.head(url, quiet))!;

    let t = performance.now();
    await fill(handle, big, busy.id);
    // The fixture's WAL is checkpointed here, by the bench's connection, so the server's own
    // checkpointer does not bill the first measurement with it.
    handle.sqlite?.pragma('wal_checkpoint(TRUNCATE)');
    const fillMs = ms(t);
    console.error(`${new Date().toISOString()} filled in ${fillMs} ms`);
    const client = (user: User) => {
      const ws = createWSClient({
        url: `${url.replace('http', 'ws')}/trpc`,
        WebSocket: WebSocket as never,
        connectionParams: { token: user.token },
      });
      return { ws, trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }) };
    };
    const peerClient = client(peer);
    for (let i = 0; i < 5; i++) {
      await peerClient.trpc.messages.send.mutate({
        conversationId: chat,
        clientMessageId: `missed-${i}`,
        text: `missed ${i}`,
      });
    }
    // Let the server's tailer and search indexer catch up with the fixture before measuring.
    await new Promise((r) => setTimeout(r, 5000));
    while (handle.sqlite) {
      const { behind } = handle.sqlite
        .prepare(`select (select max(rowid) from messages) >
            (select indexed_rowid from messages_fts_state) as behind`)
        .get() as { behind: number };
      if (!behind) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    const quietClient = client(quiet);
    const resume = await measure(
      url,
      5,
      () =>
        new Promise<void>((resolve, reject) => {
          let got = 0;
          const sub = quietClient.trpc.events.subscribe.subscribe(
            { lastEventId: cursor },
            {
              onData: () => {
                if (++got === 5) {
                  sub.unsubscribe();
                  resolve();
                }
              },
              onError: reject,
            },
          );
        }),
    );
    const busyClient = client(busy);
    const search = await measure(
      url,
      5,
      () => busyClient.trpc.messages.search.query({ q: 'delta' }).then(() => undefined),
      'search',
    );
    // A word in every message of the big chat: the most matches to rank.
    const searchCommon = await measure(
      url,
      5,
      () => busyClient.trpc.messages.search.query({ q: 'message' }).then(() => undefined),
      'search, a word in every message',
    );
    const latestPage = await measure(
      url,
      5,
      () =>
        busyClient.trpc.messages.list
          .query({ conversationId: big, limit: 50 })
          .then(() => undefined),
      'latest page',
    );
    const deepPage = await measure(
      url,
      5,
      () =>
        busyClient.trpc.messages.list
          .query({ conversationId: big, before: Math.floor(MESSAGES / 2), limit: 50 })
          .then(() => undefined),
      'deep page',
    );

    // Bytes per message: 1,000 sends through the API, the database's growth.
    const before = await diskBytes(handle);
    for (let i = 0; i < 1000; i++) {
      await peerClient.trpc.messages.send.mutate({
        conversationId: chat,
        clientMessageId: `b-${i}`,
        text: `a typical short chat message, number ${i}, with a few words`,
      });
    }
    await new Promise((r) => setTimeout(r, 2000)); // the SQLite search indexer
    const bytesPerMessage = Math.round((await diskBytes(handle)) - before) / 1000;
    t = performance.now();
    const report = {
      dialect: pg ? 'postgres' : 'sqlite',
      events: EVENTS,
      messagesInBigChat: MESSAGES,
      fillMs,
      resume,
      search,
      searchCommon,
      historyLatestPage: latestPage,
      historyDeepPage: deepPage,
      bytesPerMessage,
    };
    console.log(JSON.stringify(report, null, 2));
    peerClient.ws.close();
    quietClient.ws.close();
    busyClient.ws.close();
  } finally {
    await handle.destroy();
    await server.stop();
    await pg?.drop();
    await dir.remove();
  }
}

await main();
