import type { AppRouter, StreamEvent } from '@parley/api';
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';

export type Http = ReturnType<typeof httpFor>;

export function httpFor(url: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${url}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

export interface BenchUser {
  id: string;
  token: string;
  http: Http;
}

export async function registerMany(url: string, count: number, tag: string): Promise<BenchUser[]> {
  const anon = httpFor(url);
  const users: BenchUser[] = [];
  // Registration hashes passwords (argon2id): a few at a time keeps the server responsive.
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, (_, j) =>
        anon.auth.register.mutate({
          email: `${tag}-${i + j}@bench.local`,
          password: 'bench-password-1',
          displayName: `${tag} ${i + j}`,
        }),
      ),
    );
    for (const r of batch)
      users.push({ id: r.user.id, token: r.accessToken, http: httpFor(url, r.accessToken) });
  }
  return users;
}

/** A subscribed device; `onEvent` sees every durable event. Resolves once the stream runs. */
export async function connect(url: string, user: BenchUser, onEvent: (e: StreamEvent) => void) {
  const lastEventId = (await user.http.events.head.query()).lastEventId ?? '';
  const socket = createWSClient({
    url: `${url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ token: user.token }),
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
  await new Promise<void>((resolve, reject) => {
    client.events.subscribe.subscribe(
      { lastEventId },
      {
        onStarted: () => resolve(),
        onError: reject,
        onData: (item) => {
          if ('id' in item && 'data' in item) onEvent(item.data as StreamEvent);
        },
      },
    );
  });
  return { close: () => socket.close() };
}
