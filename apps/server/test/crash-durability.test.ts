import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema, deferred, describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { httpClient, registerUser, type ServerAddress } from './helpers/clients.ts';
import { runMain } from './helpers/process.ts';

const TOTAL = 400;

describeEachDialect('kill -9 while group commits are in flight', (dialect) => {
  it('keeps every acknowledged send; a retried unacknowledged one is stored at most once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
    const pg = dialect === 'postgres' ? await createPgSchema() : undefined;
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SEND_RATE_LIMIT: '100000',
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    };
    try {
      const first = runMain(env);
      const url = await first.listening;
      const address: ServerAddress = { url, wsUrl: `${url.replace('http', 'ws')}/trpc` };
      const ada = await registerUser(address, 'Ada');
      const ben = await registerUser(address, 'Ben');
      const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });

      // Raw tRPC frames over one socket: sends go out in bursts, answers are acknowledgements.
      const ws = new WebSocket(`${address.wsUrl}?connectionParams=1`);
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(
        JSON.stringify({ method: 'connectionParams', data: { token: ada.auth.accessToken } }),
      );
      const acked = new Set<string>();
      const enough = deferred();
      ws.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as { id: number; result?: { type: string } };
        if (frame.result?.type === 'data') acked.add(`c${frame.id}`);
        if (acked.size >= TOTAL / 4) enough.resolve();
      });
      ws.on('error', () => {});
      void (async () => {
        for (let id = 0; id < TOTAL && ws.readyState === WebSocket.OPEN; id++) {
          ws.send(
            JSON.stringify({
              id,
              method: 'mutation',
              params: {
                path: 'messages.send',
                input: { conversationId: chat.id, clientMessageId: `c${id}`, text: `c${id}` },
              },
            }),
          );
          if (id % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await enough.promise;
      first.child.kill('SIGKILL');
      await first.exited;
      const ackedAtKill = new Set(acked);
      expect(ackedAtKill.size).toBeLessThan(TOTAL);

      await using second = runMain(env);
      const url2 = await second.listening;
      const again: ServerAddress = { url: url2, wsUrl: `${url2.replace('http', 'ws')}/trpc` };
      const stored = async () => {
        const ids: string[] = [];
        let after = 0;
        for (;;) {
          const page = await ben.client.messages.list.query({
            conversationId: chat.id,
            after,
            limit: 100,
          });
          ids.push(...page.messages.map((m) => m.clientMessageId));
          if (!page.hasMore) return ids;
          after = page.messages.at(-1)!.seq;
        }
      };
      // The clients follow the server to its new port (same database, same secret).
      ada.client = httpClient(again, () => ada.auth.accessToken);
      ben.client = httpClient(again, () => ben.auth.accessToken);

      const afterCrash = await stored();
      for (const id of ackedAtKill) expect(afterCrash).toContain(id);
      expect(new Set(afterCrash).size).toBe(afterCrash.length);

      // The client retries everything it has no answer for, with the same clientMessageIds.
      for (let id = 0; id < TOTAL; id += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, k) =>
            ada.client.messages.send.mutate({
              conversationId: chat.id,
              clientMessageId: `c${id + k}`,
              text: `c${id + k}`,
            }),
          ),
        );
      }
      const final = await stored();
      expect(final.length).toBe(TOTAL);
      expect(new Set(final).size).toBe(TOTAL);
    } finally {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
