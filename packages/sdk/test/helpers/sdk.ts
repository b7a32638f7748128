import WebSocket from 'ws';
import {
  createParleyClient,
  type Message,
  type ParleyClient,
  type ParleyClientOptions,
  type ParleyEvents,
} from '../../src/index.ts';

let counter = 0;

/** Every event a client emitted, by name, in order. */
export type Recorded = { [K in keyof ParleyEvents]: ParleyEvents[K][] };

export interface TestClient extends AsyncDisposable {
  parley: ParleyClient;
  events: Recorded;
  /** Message texts received through the `message` event, in order. */
  texts(): string[];
  messages(): Message[];
}

const names: (keyof ParleyEvents)[] = [
  'message',
  'messageUpdated',
  'pin',
  'thread',
  'receipt',
  'typing',
  'presence',
  'conversation',
  'member',
  'conversationState',
  'conversationDeleted',
  'draft',
  'user',
  'status',
  'connection',
  'session',
  'resync',
  'block',
  'privacy',
  'event',
];

/** An SDK client as an app in Node would make it: `ws` as the WebSocket, fast backoff. */
export function testClient(url: string, options: Partial<ParleyClientOptions> = {}): TestClient {
  const parley = createParleyClient({
    url,
    WebSocket,
    backoff: { minDelayMs: 20, maxDelayMs: 200 },
    deliveryAckDelayMs: 20,
    ...options,
  });
  const events = Object.fromEntries(names.map((n) => [n, []])) as unknown as Recorded;
  for (const name of names) {
    parley.on(name, (payload) => (events[name] as unknown[]).push(payload));
  }
  return {
    parley,
    events,
    texts: () => events.message.map((m) => m.text),
    messages: () => events.message,
    async [Symbol.asyncDispose]() {
      await parley.close();
    },
  };
}

/** A new account, signed in through the SDK; resolves once its live stream has started. */
export async function signedUpClient(
  url: string,
  name: string,
  options: Partial<ParleyClientOptions> = {},
): Promise<TestClient & { email: string; password: string }> {
  counter += 1;
  const email = `${name.toLowerCase()}.${process.pid}.${counter}@example.com`;
  const password = `pw-${name}-long-enough`;
  const client = testClient(url, options);
  await client.parley.auth.register({ email, password, displayName: name });
  await connected(client);
  return Object.assign(client, { email, password });
}

/** Resolves once the client's stream is (again) started. */
export function connected(client: TestClient): Promise<void> {
  if (client.parley.connection.status === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const off = client.parley.on('connection', (state) => {
      if (state.status === 'connected') {
        off();
        resolve();
      }
    });
  });
}
