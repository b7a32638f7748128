import type { RateLimiter } from '@parley/api';
import { describe, expect, it } from 'vitest';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
} from '../../src/adapters/rate-limiter.ts';
import { redisScope, redisSkipReason, redisUrl } from '../helpers/redis.ts';

type Pair = AsyncDisposable & { a: RateLimiter; b: RateLimiter };

const adapters: [string, boolean, () => Promise<Pair>][] = [
  [
    'memory',
    true,
    async () => {
      const limiter = createMemoryRateLimiter();
      return { a: limiter, b: limiter, [Symbol.asyncDispose]: async () => {} };
    },
  ],
  [
    `redis${redisSkipReason}`,
    Boolean(redisUrl),
    async () => {
      const scope = await redisScope();
      return {
        a: createRedisRateLimiter(scope.redis, scope.prefix),
        b: createRedisRateLimiter(scope.redis.duplicate(), scope.prefix),
        [Symbol.asyncDispose]: () => scope[Symbol.asyncDispose](),
      };
    },
  ],
];

const rule = { name: 'send', points: 3, durationMs: 60_000 };

for (const [name, enabled, make] of adapters) {
  describe.skipIf(!enabled)(`rate limiter contract: ${name}`, () => {
    it('allows `points` per window across instances, then answers with a retry-after', async () => {
      await using s = await make();
      expect(await s.a.consume(rule, 'ada')).toEqual({ allowed: true });
      expect(await s.b.consume(rule, 'ada')).toEqual({ allowed: true });
      expect(await s.a.consume(rule, 'ada')).toEqual({ allowed: true });
      const denied = await s.b.consume(rule, 'ada');
      expect(denied.allowed).toBe(false);
      if (!denied.allowed) {
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(60_000);
      }
      // Keys and rules are independent.
      expect(await s.a.consume(rule, 'ben')).toEqual({ allowed: true });
      expect(await s.a.consume({ ...rule, name: 'login' }, 'ada')).toEqual({ allowed: true });
      await s.b.reset(rule, 'ada');
      expect(await s.a.consume(rule, 'ada')).toEqual({ allowed: true });
    });

    it('gives back a point taken, once, to every instance', async () => {
      await using s = await make();
      expect(await s.a.consume(rule, 'ada')).toEqual({ allowed: true });
      expect(await s.b.consume(rule, 'ada')).toEqual({ allowed: true });
      await s.a.refund(rule, 'ada');
      expect(await s.b.consume(rule, 'ada')).toEqual({ allowed: true });
      expect(await s.a.consume(rule, 'ada')).toEqual({ allowed: true });
      expect((await s.b.consume(rule, 'ada')).allowed).toBe(false);
    });
  });
}
