import type { BusMessage, EventBus } from '@parley/api';
import { describe, expect, it, vi } from 'vitest';
import { createInProcessBus } from '../../src/adapters/in-process-bus.ts';
import { createRedisBus } from '../../src/adapters/redis-bus.ts';
import { redisScope, redisSkipReason, redisUrl } from '../helpers/redis.ts';

/** Two "instances" of the bus: the same object in-process, two connections on Redis. */
type Pair = AsyncDisposable & { a: EventBus; b: EventBus };

const adapters: [string, boolean, () => Promise<Pair>][] = [
  [
    'in-process',
    true,
    async () => {
      const bus = createInProcessBus();
      return { a: bus, b: bus, [Symbol.asyncDispose]: () => bus.close() };
    },
  ],
  [
    `redis${redisSkipReason}`,
    Boolean(redisUrl),
    async () => {
      const scope = await redisScope();
      const a = await createRedisBus(scope.redis, scope.prefix);
      const b = await createRedisBus(scope.redis.duplicate(), scope.prefix);
      return {
        a,
        b,
        async [Symbol.asyncDispose]() {
          await a.close();
          await b.close();
          await scope[Symbol.asyncDispose]();
        },
      };
    },
  ],
];

const log = (id: string): BusMessage => ({ kind: 'log', lastEventId: id });

for (const [name, enabled, make] of adapters) {
  describe.skipIf(!enabled)(`event bus contract: ${name}`, () => {
    it('delivers every message to every subscriber of every instance, in publish order', async () => {
      await using pair = await make();
      const seenA: BusMessage[] = [];
      const seenB: BusMessage[] = [];
      pair.a.subscribe((m) => seenA.push(m));
      pair.b.subscribe((m) => seenB.push(m));
      const ephemeral: BusMessage = {
        kind: 'ephemeral',
        event: { type: 'typing', conversationId: 'c', userId: 'u', isTyping: true },
        recipients: ['v'],
      };
      await pair.a.publish(log('1'));
      await pair.a.publish(ephemeral);
      await pair.a.publish(log('2'));
      const expected = [log('1'), ephemeral, log('2')];
      await vi.waitFor(() => {
        expect(seenA).toEqual(expected);
        expect(seenB).toEqual(expected);
      });
    });

    it('stops delivering after unsubscribe', async () => {
      await using pair = await make();
      const seen: BusMessage[] = [];
      const marker: BusMessage[] = [];
      const off = pair.b.subscribe((m) => seen.push(m));
      pair.b.subscribe((m) => marker.push(m));
      await pair.a.publish(log('1'));
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      off();
      await pair.a.publish(log('2'));
      await vi.waitFor(() => expect(marker).toHaveLength(2));
      expect(seen).toEqual([log('1')]);
    });
  });
}
