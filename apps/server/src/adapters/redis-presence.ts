import type { PresenceStore } from '@parley/api';
import type { Redis } from 'ioredis';

/**
 * Presence shared by all instances. Each user has a sorted set of connection ids scored by
 * expiry time; entries of a crashed instance simply age out. Typing is a key with a TTL.
 */
export function createRedisPresenceStore(
  redis: Redis,
  prefix: string,
  now: () => number = Date.now,
): PresenceStore {
  const userKey = (userId: string) => `${prefix}presence:${userId}`;
  const typingKey = (conversationId: string, userId: string) =>
    `${prefix}typing:${conversationId}:${userId}`;

  async function liveCount(userId: string, change: (m: ReturnType<Redis['multi']>) => void) {
    const key = userKey(userId);
    const multi = redis.multi();
    change(multi);
    multi.zremrangebyscore(key, '-inf', now());
    multi.zcard(key);
    const results = await multi.exec();
    return Number(results?.at(-1)?.[1] ?? 0);
  }

  return {
    addConnection(userId, connectionId, ttlMs) {
      return liveCount(userId, (m) => {
        m.zadd(userKey(userId), now() + ttlMs, connectionId);
        m.pexpire(userKey(userId), ttlMs);
      });
    },
    removeConnection(userId, connectionId) {
      return liveCount(userId, (m) => m.zrem(userKey(userId), connectionId));
    },
    async refreshConnections(entries, ttlMs) {
      if (entries.length === 0) return;
      const pipeline = redis.pipeline();
      for (const { userId, connectionId } of entries) {
        pipeline.zadd(userKey(userId), 'XX', now() + ttlMs, connectionId);
        pipeline.pexpire(userKey(userId), ttlMs);
      }
      await pipeline.exec();
    },
    async onlineUsers(userIds) {
      if (userIds.length === 0) return new Set();
      const pipeline = redis.pipeline();
      for (const id of userIds) pipeline.zcount(userKey(id), `(${now()}`, '+inf');
      const results = (await pipeline.exec()) ?? [];
      return new Set(userIds.filter((_, i) => Number(results[i]?.[1] ?? 0) > 0));
    },
    async startTyping(conversationId, userId, ttlMs) {
      // SET ... GET returns the previous value: null means typing just started.
      const previous = await redis.set(typingKey(conversationId, userId), '1', 'PX', ttlMs, 'GET');
      return previous === null;
    },
    async stopTyping(conversationId, userId) {
      return (await redis.del(typingKey(conversationId, userId))) > 0;
    },
    async isTyping(conversationId, userId) {
      return (await redis.exists(typingKey(conversationId, userId))) > 0;
    },
    async close() {},
  };
}
