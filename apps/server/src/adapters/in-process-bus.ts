import type { BusMessage, EventBus } from '@parley/api';

/** Single-instance event bus: handlers run synchronously inside `publish`. */
export function createInProcessBus(): EventBus {
  const handlers = new Set<(message: BusMessage) => void>();
  return {
    async publish(message) {
      for (const handler of handlers) handler(message);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
    },
  };
}
