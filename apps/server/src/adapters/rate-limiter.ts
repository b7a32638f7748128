import type { RateLimiter, RateRule } from '@parley/api';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

/**
 * Fixed-window limits on rate-limiter-flexible. `makeLimiter` picks the store (memory here,
 * Redis for several instances); one limiter per rule, created on first use.
 */
export function createFlexibleRateLimiter(
  makeLimiter: (opts: {
    keyPrefix: string;
    points: number;
    duration: number;
  }) => RateLimiterAbstract,
): RateLimiter {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterFor = (rule: RateRule) => {
    const key = `${rule.name}:${rule.points}:${rule.durationMs}`;
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = makeLimiter({
        keyPrefix: `rl:${rule.name}`,
        points: rule.points,
        duration: Math.max(1, Math.ceil(rule.durationMs / 1000)),
      });
      limiters.set(key, limiter);
    }
    return limiter;
  };
  return {
    async consume(rule, key) {
      try {
        await limiterFor(rule).consume(key);
        return { allowed: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          return { allowed: false, retryAfterMs: Math.max(1, error.msBeforeNext) };
        }
        throw error;
      }
    },
    async refund(rule, key) {
      await limiterFor(rule).reward(key, 1);
    },
    async reset(rule, key) {
      await limiterFor(rule).delete(key);
    },
  };
}

export function createMemoryRateLimiter(): RateLimiter {
  return createFlexibleRateLimiter((opts) => new RateLimiterMemory(opts));
}

/** Limits shared by every instance (one counter per key in Redis). */
export function createRedisRateLimiter(redis: Redis, prefix: string): RateLimiter {
  return createFlexibleRateLimiter(
    (opts) =>
      new RateLimiterRedis({
        ...opts,
        keyPrefix: `${prefix}${opts.keyPrefix}`,
        storeClient: redis,
      }),
  );
}
