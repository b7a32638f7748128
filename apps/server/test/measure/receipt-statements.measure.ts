// A measurement, not a check, so not part of the test suite (docs/benchmarks.md, "PostgreSQL:
// the set-based send writer and batched receipts"). Run it from apps/server with
// `npx vitest run --config vitest.measure.config.ts` (PARLEY_TEST_POSTGRES_URL set). It counts the statements the
// server sends to PostgreSQL (a wrapper around `pg.Client.prototype.query`, in this process
// only) and the process's CPU while 40 users each ack 3 times per round, 10 rounds, over their
// own WebSockets. PARLEY_COUNT_DIALECT=sqlite gives the CPU on SQLite (no statement count).
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { registerUser, wsClient } from '../helpers/clients.ts';
import { startTestServer } from '../helpers/test-server.ts';

const require = createRequire(new URL('../../../../packages/db/package.json', import.meta.url));
const pg = require('pg');

it('counts statements per receipt', async () => {
  await using server = await startTestServer({
    dialect: (process.env.PARLEY_COUNT_DIALECT ?? 'postgres') as 'postgres' | 'sqlite',
    env: { SEND_RATE_LIMIT: '100000' },
  });
  let statements = 0;
  const byText = new Map<string, number>();
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    const q = args[0] as string | { text?: string };
    const text = (typeof q === 'string' ? q : (q?.text ?? '?')).slice(0, 60).replace(/\s+/g, ' ');
    byText.set(text, (byText.get(text) ?? 0) + 1);
    return original.apply(this, args);
  };
  try {
    const PAIRS = 40;
    const ROUNDS = 10;
    const pairs = [];
    for (let i = 0; i < PAIRS; i++) {
      const a = await registerUser(server, `A${i}`);
      const b = await registerUser(server, `B${i}`);
      const chat = await a.client.conversations.openDirect.mutate({ userId: b.id });
      pairs.push({
        a,
        b,
        chat,
        aws: wsClient(server, () => a.auth.accessToken),
        bws: wsClient(server, () => b.auth.accessToken),
      });
    }
    for (let r = 0; r < ROUNDS; r++) {
      await Promise.all(
        pairs.flatMap((p) =>
          [0, 1, 2].map((k) =>
            p.aws.client.messages.send.mutate({
              conversationId: p.chat.id,
              clientMessageId: `${r}-${k}`,
              text: `m${r}-${k}`,
            }),
          ),
        ),
      );
    }
    statements = 0;
    byText.clear();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < ROUNDS; r++) {
      await Promise.all(
        pairs.flatMap((p) =>
          [1, 2, 3].map((k) =>
            p.bws.client.conversations.markDelivered.mutate({
              conversationId: p.chat.id,
              upToSeq: 3 * r + k,
            }),
          ),
        ),
      );
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const receipts = PAIRS * ROUNDS * 3;
    const top = [...byText.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 15)
      .map(([t, n]) => `${n}  ${t}`);
    console.log(
      JSON.stringify(
        {
          receipts,
          statements,
          perReceipt: statements / receipts,
          transactions: byText.get('begin') ?? 0,
          cpuMsPerReceipt: (cpu.user + cpu.system) / 1000 / receipts,
          wallMsPerReceipt: wall / receipts,
          top,
        },
        null,
        1,
      ),
    );
    const seen = await pairs[0]!.b.client.conversations.get.query({
      conversationId: pairs[0]!.chat.id,
    });
    expect(seen.unreadCount).toBe(30);
    for (const p of pairs) {
      await p.aws[Symbol.asyncDispose]();
      await p.bws[Symbol.asyncDispose]();
    }
  } finally {
    pg.Client.prototype.query = original;
  }
}, 300_000);
