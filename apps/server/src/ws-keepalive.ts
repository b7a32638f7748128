const OPEN = 1;

/** What the sweep needs of a socket: its connection's keep-alive marks. */
export interface KeptAliveSocket {
  readonly readyState: number;
  send(data: string): void;
  terminate(): void;
  readonly connection: { lastSeen: number; pingedAt: number } | undefined;
}

/**
 * One keep-alive for all sockets (instead of tRPC's two timers and four closures per socket):
 * a socket silent for `pingMs` gets the text `PING`; one still silent `pongWaitMs` after that
 * is terminated. Any message from the client counts (the connection's message listener sets
 * `lastSeen` and clears `pingedAt`). One interval checks every socket; it runs every
 * min(1 s, pingMs / 2, pongWaitMs / 2), so a PING or a termination comes at most that late.
 */
export function startKeepAliveSweep(
  clients: Iterable<KeptAliveSocket>,
  { pingMs, pongWaitMs }: { pingMs: number; pongWaitMs: number },
): { stop(): void } {
  const everyMs = Math.max(1, Math.min(1000, pingMs / 2, pongWaitMs / 2));
  const timer = setInterval(() => {
    const now = performance.now();
    for (const ws of clients) {
      const conn = ws.connection;
      if (!conn || ws.readyState !== OPEN) continue;
      if (conn.pingedAt !== 0) {
        if (now - conn.pingedAt >= pongWaitMs) ws.terminate();
      } else if (now - conn.lastSeen >= pingMs) {
        conn.pingedAt = now;
        ws.send('PING');
      }
    }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
