import type { Config } from './config.ts';

/** Policy violation: the client should not reconnect at once (the reason says why). */
export const WS_CLOSE_TOO_MANY = 1008;
const CLOSED = 3;

/** What the limits need of a connection (ws-connection.ts's `Connection`). */
export interface LimitedConnection {
  readonly ws: { readonly readyState: number; close(code: number, reason: string): void };
  readonly ip: string;
  userId: string | undefined;
  /** Counted against its user's cap (so released when it closes). */
  userCounted: boolean;
}

/**
 * Caps on open WebSockets: per client address (checked when the socket opens) and per user
 * (checked once its token is known, from `connectionParams`). A socket over a cap is closed
 * with code 1008 and a reason that names the cap; sockets already open are left alone. Open
 * sockets are counted per key (a number, not a set of sockets: most users have one).
 */
export function createWsLimits(
  config: Pick<Config, 'WS_MAX_CONNECTIONS_PER_USER' | 'WS_MAX_CONNECTIONS_PER_ADDRESS'>,
) {
  const byAddress = new Map<string, number>();
  const byUser = new Map<string, number>();

  function admit(index: Map<string, number>, key: string, max: number): boolean {
    const count = index.get(key) ?? 0;
    if (count >= max) return false;
    index.set(key, count + 1);
    return true;
  }

  function release(index: Map<string, number>, key: string): void {
    const count = (index.get(key) ?? 1) - 1;
    if (count <= 0) index.delete(key);
    else index.set(key, count);
  }

  return {
    /**
     * On upgrade: false (and the socket closing) when the address is at its cap; true and
     * counted otherwise (`release` gives it back when the socket closes).
     */
    admitAddress(ws: LimitedConnection['ws'], ip: string): boolean {
      const max = config.WS_MAX_CONNECTIONS_PER_ADDRESS;
      if (admit(byAddress, ip, max)) return true;
      ws.close(WS_CLOSE_TOO_MANY, `Too many connections from this address (at most ${max})`);
      return false;
    },
    /** Once the context (and so the user) is known: a socket over its user's cap is closed. */
    admitUser(conn: LimitedConnection): void {
      // A socket that closed while its token was checked is not counted (its close is past).
      if (conn.userCounted || conn.userId === undefined || conn.ws.readyState === CLOSED) return;
      const max = config.WS_MAX_CONNECTIONS_PER_USER;
      if (admit(byUser, conn.userId, max)) conn.userCounted = true;
      else conn.ws.close(WS_CLOSE_TOO_MANY, `Too many connections for this user (at most ${max})`);
    },
    /** The connection closed: its address's count and its user's (if counted) go down. */
    release(conn: LimitedConnection): void {
      release(byAddress, conn.ip);
      if (conn.userCounted && conn.userId !== undefined) release(byUser, conn.userId);
    },
  };
}

export type WsLimits = ReturnType<typeof createWsLimits>;
