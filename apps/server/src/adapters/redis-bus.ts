import type { BusMessage, EventBus } from '@parley/api';
import type { Redis } from 'ioredis';

/**
 * Cross-instance fan-out over Redis pub/sub: every instance (this one included) receives
 * every message. Durable events are only "log advanced" hints; the log stays the truth.
 */
export async function createRedisBus(redis: Redis, prefix: string): Promise<EventBus> {
  const channel = `${prefix}bus`;
  // A subscriber connection only (re)subscribes: no pipelining there.
  const subscriber = redis.duplicate({ enableAutoPipelining: false });
  // Reconnects (and re-subscribes) by itself; the main connection reports outages.
  subscriber.on('error', () => {});
  const handlers = new Set<(message: BusMessage) => void>();
  subscriber.on('message', (from, raw) => {
    if (from !== channel) return;
    const message = JSON.parse(raw) as BusMessage;
    for (const handler of handlers) handler(message);
  });
  await subscriber.subscribe(channel);
  return {
    async publish(message) {
      await redis.publish(channel, JSON.stringify(message));
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
      await subscriber.quit();
    },
  };
}
