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
    await using instances = await startTwoInstances({
      PRESENCE_GRACE_MS: '100',
      TYPING_TTL_MS: '300',
      SEND_RATE_LIMIT: '5',
    });
    const { one, two } = instances;
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
  });

  it('store a clientMessageId once when it reaches both instances at the same time', async () => {
    await using instances = await startTwoInstances({ SEND_RATE_LIMIT: '100000' });
    const { one, two } = instances;
    const ada = await registerUser(one, 'Ada');
    const ben = await registerUser(two, 'Ben');
    const cy = await registerUser(two, 'Cy');
    const withBen = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const withCy = await ada.client.conversations.openDirect.mutate({ userId: cy.id });
    const viaOne = ada.client;
    const viaTwo = httpClient(two, () => ada.auth.accessToken);
    for (let round = 0; round < 10; round++) {
      const clientMessageId = `both-${round}`;
      const send = (client: typeof viaOne, conversationId: string) =>
        client.messages.send
          .mutate({ conversationId, clientMessageId, text: clientMessageId })
          .then((m) => ({ asked: conversationId, got: m.conversationId, id: m.id }))
          .catch((error: unknown) => errorCode(Promise.reject(error)));
      // Same conversation on both instances, plus the same id aimed at another conversation.
      const answers = await Promise.all([
        send(viaOne, withBen.id),
        send(viaTwo, withBen.id),
        send(viaOne, withBen.id),
        send(viaTwo, withCy.id),
      ]);
      const stored = answers.filter((a) => typeof a !== 'string');
      for (const a of answers) if (typeof a === 'string') expect(a).toBe('CONFLICT');
      for (const a of stored) expect(a.got).toBe(a.asked);
      expect(new Set(stored.map((a) => a.id)).size).toBe(1);
    }
    const inBen = await ben.client.messages.list.query({ conversationId: withBen.id });
    const inCy = await cy.client.messages.list.query({ conversationId: withCy.id });
    const all = [...inBen.messages, ...inCy.messages].map((m) => m.clientMessageId);
    expect(all.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `both-${i}`).sort());
  });

  it("move one member's watermarks only forward when its devices ack on both instances at once", async () => {
    await using instances = await startTwoInstances({ SEND_RATE_LIMIT: '100000' });
    const { one, two } = instances;
    const ada = await registerUser(one, 'Ada');
    const ben = await registerUser(two, 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    for (let i = 1; i <= 20; i++) {
      await ada.client.messages.send.mutate({
        conversationId: chat.id,
        clientMessageId: `m${i}`,
        text: `m${i}`,
      });
    }
    const onOne = httpClient(one, () => ben.auth.accessToken);
    const onTwo = ben.client;
    // One device acks upwards on instance one, the other downwards on two, both reading too.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        onOne.conversations.markDelivered.mutate({ conversationId: chat.id, upToSeq: i + 1 }),
        onTwo.conversations.markDelivered.mutate({ conversationId: chat.id, upToSeq: 20 - i }),
        ...(i % 5 === 4
          ? [
              (i % 2 ? onOne : onTwo).conversations.markRead.mutate({
                conversationId: chat.id,
                upToSeq: i,
              }),
            ]
          : []),
      ]).flat(),
    );
    const participants = await ada.client.conversations.participants.query({
      conversationId: chat.id,
    });
    expect(participants.find((p) => p.user.id === ben.id)).toMatchObject({
      lastDeliveredSeq: 20,
      lastReadSeq: 19,
    });
  });
});

/** Two real server processes on one fresh PostgreSQL schema and Redis prefix. */
async function startTwoInstances(overrides: Record<string, string>) {
  const schema = await createPgSchema();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-multi-'));
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: schema.url,
    REDIS_URL: redisUrl!,
    REDIS_PREFIX: uniquePrefix(),
    // No safety polling: live delivery across instances must come from the Redis bus.
    EVENT_POLL_MS: '3600000',
    ...overrides,
  };
  // Both start at once, racing to migrate the same fresh schema.
  const processes: ServerProcess[] = [runMain(env), runMain(env)];
  const dispose = async () => {
    for (const p of processes) await p[Symbol.asyncDispose]();
    await schema.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const urls = await Promise.all(processes.map((p) => p.listening));
    const [one, two] = urls.map(
      (url): ServerAddress => ({ url, wsUrl: `${url.replace(/^http/, 'ws')}/trpc` }),
    ) as [ServerAddress, ServerAddress];
    return { one, two, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
