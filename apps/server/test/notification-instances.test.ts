import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema, describeEachDialect } from '@parley/db/testing';
import { expect, it, vi } from 'vitest';
import { startServer } from '../src/index.ts';
import { registerUser, registerUsers, type ServerAddress } from './helpers/clients.ts';
import { WEBHOOK_SECRET } from './helpers/notify.ts';
import { TestClock, testConfig } from './helpers/test-server.ts';
import { startWebhookReceiver } from './helpers/webhook-receiver.ts';

describeEachDialect('notification dispatch on several instances', (dialect) => {
  it('delivers each notification exactly once while two instances race for the outbox', async () => {
    await using receiver = await startWebhookReceiver(WEBHOOK_SECRET);
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-notify-'));
    const pg = dialect === 'postgres' ? await createPgSchema() : undefined;
    const config = testConfig(dataDir, pg?.url, {
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET,
      // Both poll constantly, so both keep claiming from the same rows.
      NOTIFY_POLL_MS: '5',
      SEND_RATE_LIMIT: '1000',
    });
    // One database (SQLite file or PostgreSQL schema), two dispatching instances.
    const clock = new TestClock();
    const one = await startServer(config, { clock });
    const two = await startServer(config, { clock });
    try {
      const address = (url: string): ServerAddress => ({ url, wsUrl: `${url}/trpc` });
      const ada = await registerUser(address(one.url), 'Ada');
      const readers = await registerUsers(address(two.url), 'Ben', 'Cy', 'Di', 'Ed');
      const chats = await Promise.all(
        readers.map((r) => ada.client.conversations.openDirect.mutate({ userId: r.id })),
      );
      const sent: string[] = [];
      for (let round = 0; round < 10; round += 1) {
        const batch = await Promise.all(
          chats.map((c, i) =>
            ada.client.messages.send.mutate({
              conversationId: c.id,
              clientMessageId: `m-${round}-${i}`,
              text: 'hi',
            }),
          ),
        );
        sent.push(...batch.map((m) => m.id));
      }
      await vi.waitFor(() => expect(receiver.accepted).toHaveLength(sent.length), {
        timeout: 10_000,
      });
      const ids = receiver.accepted.map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(receiver.accepted.map((d) => d.notification.messageId).sort()).toEqual(sent.sort());
      await vi.waitFor(async () => {
        const rows = await one.db.db
          .selectFrom('notifications')
          .select(['state', 'attempts'])
          .execute();
        expect(rows).toHaveLength(sent.length);
        expect(rows.every((r) => r.state === 'delivered' && r.attempts === 1)).toBe(true);
      });
    } finally {
      await one.close();
      await two.close();
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
