import type { NotificationSink } from '@parley/api';
import type { Redis } from 'ioredis';

/**
 * PUBLISHes each notification as JSON on a Redis channel for existing notification services.
 * Pub/sub keeps nothing: delivered means Redis accepted the PUBLISH (a failure is retried);
 * services must be subscribed to hear it.
 */
export function createRedisChannelSink(redis: Redis, channel: string): NotificationSink {
  return {
    name: 'redis',
    async deliver(notification) {
      await redis.publish(channel, JSON.stringify(notification));
    },
  };
}
