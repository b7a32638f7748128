import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.PARLEY_TEST_REDIS_URL;
export const redisSkipReason = redisUrl ? '' : ' (skipped: PARLEY_TEST_REDIS_URL is not set)';

/** A Redis connection and a key prefix of its own; dispose deletes the keys and disconnects. */
export async function redisScope() {
  if (!redisUrl) throw new Error('PARLEY_TEST_REDIS_URL is not set');
  const redis = new Redis(redisUrl);
  const prefix = `parley-test:${randomBytes(5).toString('hex')}:`;
  return {
    redis,
    prefix,
    async [Symbol.asyncDispose]() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

export function uniquePrefix(): string {
  return `parley-test:${randomBytes(5).toString('hex')}:`;
}
