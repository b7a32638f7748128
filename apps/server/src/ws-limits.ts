import type { IncomingMessage } from 'node:http';
import type { Context } from '@parley/api';
import type { WebSocket } from 'ws';
import type { Config } from './config.ts';
import { clientIp } from './http/client-ip.ts';

/** Policy violation: the client should not reconnect at once (the reason says why). */
export const WS_CLOSE_TOO_MANY = 1008;

/**
 * Caps on open WebSockets: per client address (checked when the socket opens) and per user
 * (checked once its token is known, from `connectionParams`). A socket over a cap is closed
 * with code 1008 and a reason that names the cap; sockets already open are left alone.
 */
export function createWsLimits(
  config: Pick<
    Config,
    'WS_MAX_CONNECTIONS_PER_USER' | 'WS_MAX_CONNECTIONS_PER_ADDRESS' | 'TRUST_PROXY'
  >,
) {
  const byAddress = new Map<string, Set<WebSocket>>();
  const byUser = new Map<string, Set<WebSocket>>();

  function admit(
    index: Map<string, Set<WebSocket>>,
    key: string,
    ws: WebSocket,
    max: number,
    reason: string,
  ): boolean {
    let sockets = index.get(key);
    if (sockets?.has(ws)) return true;
    if ((sockets?.size ?? 0) >= max) {
      ws.close(WS_CLOSE_TOO_MANY, reason);
      return false;
    }
    if (!sockets) {
      sockets = new Set();
      index.set(key, sockets);
    }
    sockets.add(ws);
    ws.once('close', () => {
      sockets.delete(ws);
      if (sockets.size === 0 && index.get(key) === sockets) index.delete(key);
    });
    return true;
  }

  return {
    /** On 'connection': false (and the socket closing) when the address is at its cap. */
    admitAddress(ws: WebSocket, req: IncomingMessage): boolean {
      const max = config.WS_MAX_CONNECTIONS_PER_ADDRESS;
      return admit(
        byAddress,
        clientIp(req, config.TRUST_PROXY),
        ws,
        max,
        `Too many connections from this address (at most ${max})`,
      );
    },
    /**
     * Wraps the WebSocket adapter's createContext: once the context (and so the user) is
     * known, a socket over its user's cap is closed.
     */
    checked<Options extends { res: unknown }>(
      create: (options: Options) => Promise<Context>,
    ): (options: Options) => Promise<Context> {
      return async (options) => {
        const ctx = await create(options);
        if (ctx.auth.status === 'authenticated') {
          const max = config.WS_MAX_CONNECTIONS_PER_USER;
          admit(
            byUser,
            ctx.auth.userId,
            options.res as WebSocket,
            max,
            `Too many connections for this user (at most ${max})`,
          );
        }
        return ctx;
      };
    },
  };
}
