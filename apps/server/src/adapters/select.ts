import type { EventBus, PresenceStore, RateLimiter } from '@parley/api';
import { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { createInProcessPresenceStore } from './in-process-presence.ts';
import { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limiter.ts';
import { createRedisBus } from './redis-bus.ts';
import { createRedisPresenceStore } from './redis-presence.ts';

export interface SharedStateAdapters {
  bus: EventBus;
  presence: PresenceStore;
  rateLimiter: RateLimiter;
  /** Present when REDIS_URL is set (health checks). */
  redis: Redis | null;
  close(): Promise<void>;
}

/** In-process for one instance; Redis (bus, presence, limits) when REDIS_URL is set. */
export async function createSharedStateAdapters(config: Config): Promise<SharedStateAdapters> {
  if (!config.REDIS_URL) {
    const bus = createInProcessBus();
    const presence = createInProcessPresenceStore();
    return {
      bus,
      presence,
      rateLimiter: createMemoryRateLimiter(),
      redis: null,
      async close() {
        await bus.close();
        await presence.close();
      },
    };
  }
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: true });
  await redis.connect();
  const bus = await createRedisBus(redis, config.REDIS_PREFIX);
  return {
    bus,
    presence: createRedisPresenceStore(redis, config.REDIS_PREFIX),
    rateLimiter: createRedisRateLimiter(redis, config.REDIS_PREFIX),
    redis,
    async close() {
      await bus.close();
      await redis.quit();
    },
  };
}
