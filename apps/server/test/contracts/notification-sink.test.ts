import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationPayload, NotificationSink } from '@parley/api';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { createRedisChannelSink } from '../../src/adapters/redis-channel-sink.ts';
import { createWebhookSink } from '../../src/adapters/webhook-sink.ts';
import { WEBHOOK_SECRET } from '../helpers/notify.ts';
import { redisSkipReason, redisUrl, uniquePrefix } from '../helpers/redis.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

interface Subject extends AsyncDisposable {
  sink: NotificationSink;
  /** Notifications the receiving side has got. */
  received(): NotificationPayload[];
  /** Makes the receiving side refuse the next delivery. */
  breakReceiver(): Promise<void>;
}

const clock = { now: () => Date.now() };

const adapters: [string, boolean, () => Promise<Subject>][] = [
  [
    'signed webhook',
    true,
    async () => {
      const receiver = await startWebhookReceiver(WEBHOOK_SECRET);
      return {
        sink: createWebhookSink({
          url: receiver.url,
          secret: WEBHOOK_SECRET,
          clock,
          timeoutMs: 5000,
        }),
        received: () => receiver.accepted.map((d) => d.notification),
        breakReceiver: async () => receiver.failNext(1, 503),
        [Symbol.asyncDispose]: () => receiver[Symbol.asyncDispose](),
      };
    },
  ],
  [
    `Redis channel${redisSkipReason}`,
    Boolean(redisUrl),
    async () => {
      const channel = `${uniquePrefix()}events:message.created`;
      const publisher = new Redis(redisUrl!, { maxRetriesPerRequest: 0 });
      const subscriber = new Redis(redisUrl!);
      const heard: NotificationPayload[] = [];
      subscriber.on('message', (_channel: string, message: string) =>
        heard.push(JSON.parse(message) as NotificationPayload),
      );
      await subscriber.subscribe(channel);
      return {
        sink: createRedisChannelSink(publisher, channel),
        received: () => heard,
        // A publisher whose connection is gone cannot PUBLISH.
        breakReceiver: async () => publisher.disconnect(),
        async [Symbol.asyncDispose]() {
          publisher.disconnect();
          await subscriber.quit();
        },
      };
    },
  ],
];

const notification: NotificationPayload = {
  id: '01JNOTIFICATION0000000000',
  type: 'message.created',
  userId: 'u-ben',
  conversationId: 'c-1',
  conversationType: 'direct',
  conversationTitle: null,
  messageId: 'm-1',
  seq: 7,
  senderId: 'u-ada',
  senderName: 'Ada ✓',
  preview: null,
  createdAt: '2026-11-23T14:00:00.000Z',
};

for (const [name, enabled, make] of adapters) {
  describe.skipIf(!enabled)(`notification sink contract: ${name}`, () => {
    it('resolves once the receiver has the notification, intact', async () => {
      await using s = await make();
      await s.sink.deliver(notification);
      await s.sink.deliver({ ...notification, id: '01JNOTIFICATION0000000001' });
      // Redis delivers to subscribers asynchronously; wait for both, in order.
      await vi.waitFor(() =>
        expect(s.received()).toEqual([
          notification,
          { ...notification, id: '01JNOTIFICATION0000000001' },
        ]),
      );
    });

    it('rejects when the receiver does not take it', async () => {
      await using s = await make();
      await s.breakReceiver();
      await expect(s.sink.deliver(notification)).rejects.toThrow();
    });
  });
}

describe('webhook sink', () => {
  it('treats a redirect or an answer slower than the timeout as a failure', async () => {
    let hang = false;
    const server = createServer((_req, res) => {
      if (hang) return; // never answers
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const sink = createWebhookSink({ url, secret: WEBHOOK_SECRET, clock, timeoutMs: 200 });
      await expect(sink.deliver(notification)).rejects.toThrow('webhook answered HTTP 302');
      hang = true;
      await expect(sink.deliver(notification)).rejects.toThrow(/timeout|aborted/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
