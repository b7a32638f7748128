import type { PresenceStore } from '@parley/api';
import { describe, expect, it, vi } from 'vitest';
import { createInProcessPresenceStore } from '../../src/adapters/in-process-presence.ts';
import { createRedisPresenceStore } from '../../src/adapters/redis-presence.ts';
import { redisScope, redisSkipReason, redisUrl } from '../helpers/redis.ts';

interface Subject extends AsyncDisposable {
  /** Two instances sharing state. */
  a: PresenceStore;
  b: PresenceStore;
  advance(ms: number): void;
}

const adapters: [string, boolean, () => Promise<Subject>][] = [
  [
    'in-process',
    true,
    async () => {
      let offset = 0;
      const store = createInProcessPresenceStore(() => Date.now() + offset);
      return {
        a: store,
        b: store,
        advance: (ms) => {
          offset += ms;
        },
        [Symbol.asyncDispose]: () => store.close(),
      };
    },
  ],
  [
    `redis${redisSkipReason}`,
    Boolean(redisUrl),
    async () => {
      const scope = await redisScope();
      let offset = 0;
      const now = () => Date.now() + offset;
      return {
        a: createRedisPresenceStore(scope.redis, scope.prefix, now),
        b: createRedisPresenceStore(scope.redis.duplicate(), scope.prefix, now),
        advance: (ms) => {
          offset += ms;
        },
        [Symbol.asyncDispose]: () => scope[Symbol.asyncDispose](),
      };
    },
  ],
];

for (const [name, enabled, make] of adapters) {
  describe.skipIf(!enabled)(`presence store contract: ${name}`, () => {
    it('counts live connections across instances', async () => {
      await using s = await make();
      expect(await s.a.addConnection('ada', 'phone', 60_000)).toBe(1);
      expect(await s.b.addConnection('ada', 'laptop', 60_000)).toBe(2);
      expect(await s.a.onlineUsers(['ada', 'ben'])).toEqual(new Set(['ada']));
      expect(await s.b.removeConnection('ada', 'phone')).toBe(1);
      expect(await s.a.removeConnection('ada', 'laptop')).toBe(0);
      expect(await s.b.onlineUsers(['ada'])).toEqual(new Set());
      expect(await s.a.removeConnection('ada', 'laptop')).toBe(0);
    });

    it("keeps each of a user's connections apart, one or several, and expires each alone", async () => {
      await using s = await make();
      expect(await s.a.addConnection('ada', 'phone', 1_000)).toBe(1);
      expect(await s.a.addConnection('ada', 'phone', 1_000)).toBe(1); // the same one again
      expect(await s.b.removeConnection('ada', 'laptop')).toBe(1); // not hers: nothing changes
      expect(await s.b.addConnection('ada', 'laptop', 5_000)).toBe(2);
      expect(await s.a.addConnection('ada', 'tablet', 1_000)).toBe(3);
      s.advance(600);
      await s.a.refreshConnections([{ userId: 'ada', connectionId: 'tablet' }], 1_000);
      s.advance(600); // the phone expired; the laptop and the refreshed tablet live
      expect(await s.b.removeConnection('ada', 'tablet')).toBe(1);
      expect(await s.a.onlineUsers(['ada'])).toEqual(new Set(['ada']));
      expect(await s.a.removeConnection('ada', 'laptop')).toBe(0);
      expect(await s.b.onlineUsers(['ada'])).toEqual(new Set());
    });

    it('lets connections that are not refreshed expire (a dead instance)', async () => {
      await using s = await make();
      await s.a.addConnection('ada', 'phone', 1_000);
      await s.a.addConnection('ben', 'phone', 1_000);
      s.advance(600);
      await s.b.refreshConnections([{ userId: 'ben', connectionId: 'phone' }], 1_000);
      s.advance(600);
      expect(await s.a.onlineUsers(['ada', 'ben'])).toEqual(new Set(['ben']));
      expect(await s.b.addConnection('ada', 'tablet', 1_000)).toBe(1);
    });

    it('tracks typing with a TTL; only the first start and a real stop report a change', async () => {
      await using s = await make();
      expect(await s.a.startTyping('c1', 'ada', 5_000)).toBe(true);
      expect(await s.b.startTyping('c1', 'ada', 5_000)).toBe(false);
      expect(await s.b.isTyping('c1', 'ada')).toBe(true);
      expect(await s.a.isTyping('c2', 'ada')).toBe(false);
      expect(await s.b.stopTyping('c1', 'ada')).toBe(true);
      expect(await s.a.stopTyping('c1', 'ada')).toBe(false);
      expect(await s.a.startTyping('c1', 'ben', 30)).toBe(true);
      await vi.waitFor(async () => expect(await s.b.isTyping('c1', 'ben')).toBe(false));
    });
  });
}
