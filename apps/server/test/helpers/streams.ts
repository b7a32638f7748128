import type { EphemeralEvent, StreamEvent } from '@parley/api';
import { deferred } from '@parley/db/testing';
import type { TestUser } from './clients.ts';
import { wsClient } from './clients.ts';
import type { TestServer } from './test-server.ts';

export interface Device extends AsyncDisposable {
  /** Durable events with their ids, in arrival order. */
  durable: StreamEvent[];
  ephemeral: EphemeralEvent[];
  lastEventId: string | undefined;
  /** Stops the subscription (the socket stays open). */
  stop(): void;
}

/**
 * One connected device of `user`: a WebSocket with a live `events.subscribe`, resolved once
 * the server has started the stream (so nothing sent afterwards can be missed).
 */
export async function connectDevice(
  server: TestServer,
  user: TestUser,
  lastEventId?: string,
): Promise<Device> {
  const ws = wsClient(server, () => user.auth.accessToken);
  const started = deferred();
  const device: Device = {
    durable: [],
    ephemeral: [],
    lastEventId,
    stop: () => subscription.unsubscribe(),
    async [Symbol.asyncDispose]() {
      subscription.unsubscribe();
      await ws[Symbol.asyncDispose]();
    },
  };
  const subscription = ws.client.events.subscribe.subscribe(
    { lastEventId },
    {
      onStarted: () => started.resolve(),
      onError: (error) => started.reject(error),
      onData: (item) => {
        if ('id' in item && item.id !== undefined && 'data' in item) {
          device.durable.push(item.data as StreamEvent);
          device.lastEventId = item.id;
        } else {
          device.ephemeral.push(item as EphemeralEvent);
        }
      },
    },
  );
  await started.promise;
  return device;
}
