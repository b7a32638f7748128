// Load benchmark: the real server in its own process on 127.0.0.1, driven by real clients over
// HTTP and WebSocket. Bounded in count and time. Usage:
//   pnpm bench [--pairs 50] [--messages 20] [--latency 300] [--idle 1000] [--database-url postgres://...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BenchUser, connect, registerMany } from './clients.ts';
import { startBenchServer } from './server-process.ts';
import { summarize, until } from './stats.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '50' },
    messages: { type: 'string', default: '20' },
    latency: { type: 'string', default: '300' },
    idle: { type: 'string', default: '1000' },
    group: { type: 'string', default: '200' },
    'database-url': { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const perSender = Number(values.messages);
const latencySamples = Number(values.latency);
const idleConnections = Number(values.idle);
const groupSize = Number(values.group);
const TIMEOUT_MS = 120_000;

const server = await startBenchServer(
  values['database-url'] ? { DATABASE_URL: values['database-url'] } : {},
);
const results: Record<string, unknown> = {
  dialect: values['database-url'] ? 'postgres' : 'sqlite',
  node: process.version,
};
try {
  const users = await registerMany(server.url, pairs * 2, `u${Date.now()}`);
  const chats: { from: BenchUser; to: BenchUser; conversationId: string }[] = [];
  for (let i = 0; i < pairs; i++) {
    const from = users[2 * i]!;
    const to = users[2 * i + 1]!;
    const chat = await from.http.conversations.openDirect.mutate({ userId: to.id });
    chats.push({ from, to, conversationId: chat.id });
  }

  // Every receiver gets a device; we time send (client) -> message.created (other client).
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  const devices = await Promise.all(
    chats.map(({ to }) =>
      connect(server.url, to, (event) => {
        if (event.type !== 'message.created') return;
        const started = sentAt.get(event.message.clientMessageId);
        if (started !== undefined) latencies.push(performance.now() - started);
        delivered += 1;
      }),
    ),
  );

  // 1) Latency at light load: one message in flight at a time.
  for (let i = 0; i < latencySamples; i++) {
    const chat = chats[i % chats.length]!;
    const id = `lat-${i}`;
    const target = delivered + 1;
    sentAt.set(id, performance.now());
    await chat.from.http.messages.send.mutate({
      conversationId: chat.conversationId,
      clientMessageId: id,
      text: 'ping',
    });
    await until(() => delivered >= target, TIMEOUT_MS, 'a delivery');
  }
  results.latencyLightLoadMs = summarize(latencies);

  // 2) Sustained throughput: every sender sends `perSender` messages back to back.
  latencies.length = 0;
  const before = delivered;
  const total = chats.length * perSender;
  const started = performance.now();
  await Promise.all(
    chats.map(async (chat, c) => {
      for (let i = 0; i < perSender; i++) {
        const id = `tp-${c}-${i}`;
        sentAt.set(id, performance.now());
        await chat.from.http.messages.send.mutate({
          conversationId: chat.conversationId,
          clientMessageId: id,
          text: 'load',
        });
      }
    }),
  );
  await until(() => delivered - before >= total, TIMEOUT_MS, 'all deliveries');
  const seconds = (performance.now() - started) / 1000;
  results.sustained = {
    messages: total,
    concurrentSenders: chats.length,
    seconds: Math.round(seconds * 100) / 100,
    messagesPerSecond: Math.round(total / seconds),
    deliveryLatencyMs: summarize(latencies),
  };

  for (const d of devices) d.close();

  // 3) Fan-out: one message to a group whose every member has a connected device; time until
  //    the last member received it (median of 5 messages).
  const members = await registerMany(server.url, groupSize, `g${Date.now()}`);
  const [owner, ...rest] = members;
  const group = await owner!.http.groups.create.mutate({
    name: 'bench',
    userIds: rest.slice(0, 99).map((u) => u.id),
  });
  for (let i = 99; i < rest.length; i += 100) {
    await owner!.http.groups.addMembers.mutate({
      groupId: group.id,
      userIds: rest.slice(i, i + 100).map((u) => u.id),
    });
  }
  let reached = 0;
  const memberDevices = await Promise.all(
    rest.map((m) =>
      connect(server.url, m, (event) => {
        if (event.type === 'message.created' && event.message.kind === 'text') reached += 1;
      }),
    ),
  );
  const fanOut: number[] = [];
  for (let i = 0; i < 5; i++) {
    const target = reached + rest.length;
    const started = performance.now();
    await owner!.http.messages.send.mutate({
      conversationId: group.id,
      clientMessageId: `fan-${i}`,
      text: 'all',
    });
    await until(() => reached >= target, TIMEOUT_MS, 'fan-out');
    fanOut.push(performance.now() - started);
  }
  results.groupFanOut = { recipients: rest.length, ...summarize(fanOut) };
  for (const d of memberDevices) d.close();

  // 4) Memory per idle connection: open many subscribed devices, compare server RSS.
  const rssBefore = server.rss();
  const idle = [];
  for (let i = 0; i < idleConnections; i++) {
    idle.push(await connect(server.url, users[i % users.length]!, () => {}));
  }
  const rssAfter = server.rss();
  results.idleConnections = {
    connections: idleConnections,
    serverRssBeforeMb: Math.round(rssBefore / 1048576),
    serverRssAfterMb: Math.round(rssAfter / 1048576),
    kbPerConnection: Math.round((rssAfter - rssBefore) / idleConnections / 1024),
  };
  for (const d of idle) d.close();
} finally {
  await server.stop();
}

console.log(JSON.stringify(results, null, 2));
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`../results/load-${Date.now()}.json`, import.meta.url),
  JSON.stringify(results, null, 2),
);
process.exit(0);
