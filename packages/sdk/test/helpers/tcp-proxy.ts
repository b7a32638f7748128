import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the SDK and the test server: a real network path the test can cut.
 * `cut()` destroys every open connection (HTTP and WebSocket alike), as a lost network does.
 * `cutOnResponse(marker)`: when a request containing `marker` has been answered by the server,
 * the answer is dropped and everything is cut, so the server did the work but the client never
 * heard back ("the connection died in the middle of a send"). `refuse(marker)`: connections
 * carrying `marker` are dropped before it reaches the server, until `refuse(null)`.
 */
export interface TcpProxy extends AsyncDisposable {
  url: string;
  cut(): void;
  cutOnResponse(marker: string): Promise<void>;
  refuse(marker: string | null): void;
  /** Connections currently open through the proxy. */
  readonly open: number;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let trap: { marker: string; sprung: () => void } | null = null;
  let refused: string | null = null;

  const cut = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    let trapped = false;
    client.on('data', (chunk) => {
      if (refused && chunk.includes(refused)) {
        close();
        return;
      }
      if (trap && chunk.includes(trap.marker)) trapped = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (trapped && trap) {
        const { sprung } = trap;
        trap = null;
        cut();
        sprung();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${address.port}`,
    cut,
    cutOnResponse(marker) {
      return new Promise((resolve) => {
        trap = { marker, sprung: resolve };
      });
    },
    refuse(marker) {
      refused = marker;
    },
    get open() {
      return pairs.size;
    },
    async [Symbol.asyncDispose]() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
