import type { EphemeralEvent, StreamEvent } from '@parley/api';
import { deferred } from '@parley/db/testing';
import { type ServerAddress, type TestUser, wsClient } from './clients.ts';

export interface Device extends AsyncDisposable {
  /** Durable events with their ids, in arrival order. */
  durable: StreamEvent[];
  ephemeral: EphemeralEvent[];
  lastEventId: string | undefined;
  /** Stops the subscription (the socket stays open). */
  stop(): void;
}

/**
 * One connected device of `user`: a WebSocket with a live `events.subscribe`. Without a
 * `lastEventId` it starts from the log's head taken now (`events.head`), as a client does
 * before loading state, so nothing that happens after this call can be missed.
 */
export async function connectDevice(
  server: ServerAddress,
  user: TestUser,
  from?: string,
): Promise<Device> {
  const lastEventId = from ?? (await user.client.events.head.query()).lastEventId ?? '';
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
