import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema, postgresUrl } from '@parley/db/testing';
import { describe, expect, it, vi } from 'vitest';
import { errorCode, httpClient, registerUser, type ServerAddress } from './helpers/clients.ts';
import { runMain, type ServerProcess } from './helpers/process.ts';
import { redisUrl, uniquePrefix } from './helpers/redis.ts';
import { connectDevice } from './helpers/streams.ts';
import { TEST_JWT_SECRET } from './helpers/test-server.ts';

const enabled = Boolean(postgresUrl && redisUrl);
const reason = enabled
  ? ''
  : ' (skipped: needs PARLEY_TEST_POSTGRES_URL and PARLEY_TEST_REDIS_URL)';

describe.skipIf(!enabled)(`two server processes on PostgreSQL + Redis${reason}`, () => {
  it('behave as one: messages, receipts, typing, presence and rate limits across instances', async () => {
    const schema = await createPgSchema();
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-multi-'));
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: schema.url,
      REDIS_URL: redisUrl!,
      REDIS_PREFIX: uniquePrefix(),
      PRESENCE_GRACE_MS: '100',
      TYPING_TTL_MS: '300',
      SEND_RATE_LIMIT: '5',
      // No safety polling: live delivery across instances must come from the Redis bus.
      EVENT_POLL_MS: '3600000',
    };
    const processes: ServerProcess[] = [];
    try {
      // Both start at once, racing to migrate the same fresh schema.
      processes.push(
        runMain({ ...env, LOG_LEVEL: 'info' }),
        runMain({ ...env, LOG_LEVEL: 'info' }),
      );
      const urls = await Promise.all(processes.map((p) => p.listening));
      const [one, two] = urls.map(
        (url): ServerAddress => ({ url, wsUrl: `${url.replace(/^http/, 'ws')}/trpc` }),
      ) as [ServerAddress, ServerAddress];

      const health = await (await fetch(`${two.url}/health/detailed`)).json();
      expect(health).toMatchObject({
        status: 'ok',
        checks: { db: { dialect: 'postgres' }, redis: { status: 'ok' } },
      });

      const ada = await registerUser(one, 'Ada');
      const ben = await registerUser(two, 'Ben');
      await using adaDevice = await connectDevice(one, ada);
      const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
      await using benDevice = await connectDevice(two, ben);

      // Presence: Ben came online on instance two; Ada on instance one hears it.
      await vi.waitFor(() =>
        expect(adaDevice.ephemeral).toContainEqual({
          type: 'presence',
          userId: ben.id,
          online: true,
          lastSeenAt: null,
        }),
      );

      // Messages both ways, with a read receipt in between.
      const hello = await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'a1',
        text: 'from one',
      });
      // Receipts: Ben reads on instance two; Ada sees it live on one.
      await vi.waitFor(() => expect(benDevice.durable).toHaveLength(1));
      await ben.client.conversations.markRead.mutate({ conversationId: chat.id });
      await vi.waitFor(() =>
        expect(adaDevice.durable).toContainEqual(
          expect.objectContaining({ type: 'receipt', userId: ben.id, lastReadSeq: 1 }),
        ),
      );
      expect((await ada.client.messages.status.query({ messageId: hello.id })).status).toBe('read');
      await ben.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'b1',
        text: 'from two',
      });
      const texts = (d: typeof adaDevice) =>
        d.durable.flatMap((e) => (e.type === 'message.created' ? [e.message.text] : []));
      await vi.waitFor(() => {
        expect(texts(benDevice)).toEqual(['from one', 'from two']);
        expect(texts(adaDevice)).toEqual(['from one', 'from two']);
      });

      // Typing both ways.
      await ada.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
      await ben.client.typing.set.mutate({ conversationId: chat.id, isTyping: true });
      await vi.waitFor(() => {
        expect(benDevice.ephemeral).toContainEqual({
          type: 'typing',
          conversationId: chat.id,
          userId: ada.id,
          isTyping: true,
        });
        expect(adaDevice.ephemeral).toContainEqual({
          type: 'typing',
          conversationId: chat.id,
          userId: ben.id,
          isTyping: true,
        });
      });

      // The send limit (5 per window) is shared: 1 + 3 more here, the 5th there, the 6th refused.
      for (const id of ['a2', 'a3', 'a4']) {
        await ada.client.messages.send.mutate({
          conversationId: chat.id,
          clientMessageId: id,
          text: id,
        });
      }
      const adaOnTwo = httpClient(two, () => ada.auth.accessToken);
      await adaOnTwo.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: 'a5',
        text: 'a5',
      });
      expect(
        await errorCode(
          adaOnTwo.messages.send.mutate({
            conversationId: chat.id,
            clientMessageId: 'a6',
            text: 'a6',
          }),
        ),
      ).toBe('TOO_MANY_REQUESTS');

      // Ben leaves instance two: Ada on instance one sees him go offline.
      await benDevice[Symbol.asyncDispose]();
      await vi.waitFor(() =>
        expect(adaDevice.ephemeral).toContainEqual(
          expect.objectContaining({ type: 'presence', userId: ben.id, online: false }),
        ),
      );
    } finally {
      for (const p of processes) await p[Symbol.asyncDispose]();
      await schema.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
