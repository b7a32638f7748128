// A device through @parley/sdk (packages/sdk, from source) on Node with `ws`: the SDK sends
// through its outbox (on its WebSocket while it is open, else HTTP) and acknowledges delivery
// by itself (batched `markDelivered`).
import { createParleyClient, memoryStorage, type ParleyClient } from '@parley/sdk';
import WebSocket from 'ws';
import type { Conn, OnMessage } from './clients.ts';

export interface SdkOptions {
  url: string;
  token: string;
  userId: string;
  /** false: the ack delay is pushed past the end of the run, so no ack is ever sent. */
  acks: boolean;
  onMessage: OnMessage;
  onAck: (ok: boolean) => void;
  timeoutMs: number;
}

export async function connectSdk(o: SdkOptions): Promise<Conn & { client: ParleyClient }> {
  // A stored session (what a returning user has): no login, no refresh during the run.
  const storage = memoryStorage();
  await storage.setItem(
    'parley:session',
    JSON.stringify({
      user: {
        id: o.userId,
        displayName: o.userId,
        about: '',
        avatarFileId: null,
        email: `${o.userId}@bench.local`,
        createdAt: new Date().toISOString(),
      },
      accessToken: o.token,
      refreshToken: 'bench.unused',
      refreshAt: Date.now() + 24 * 3600_000,
    }),
  );
  const client = createParleyClient({
    url: o.url,
    storage,
    WebSocket: WebSocket as unknown as NonNullable<
      Parameters<typeof createParleyClient>[0]['WebSocket']
    >,
    deliveryAckDelayMs: o.acks ? undefined : 24 * 3600_000,
  });
  client.on('message', (message) => {
    if (message.senderId !== o.userId) o.onMessage(message.text);
  });
  client.on('status', (item) => {
    if (item.status === 'sent') o.onAck(true);
    else if (item.status === 'failed') o.onAck(false);
  });
  await client.ready;
  await new Promise<void>((resolve, reject) => {
    if (client.connection.status === 'connected') return resolve();
    const timer = setTimeout(() => reject(new Error('SDK did not connect')), o.timeoutMs);
    const off = client.on('connection', (state) => {
      if (state.status !== 'connected') return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
  return {
    client,
    send(conversationId, clientMessageId, text) {
      client.messages.send({ conversationId, clientMessageId, text });
    },
    close: () => void client.close(),
  };
}
