import type { IncomingMessage, Server } from 'node:http';
import { type ApiDeps, type AppRouter, appRouter, eventJson, type LiveServices } from '@parley/api';
import { getWSConnectionHandler, jsonEncoder } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { Config } from './config.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './http/access-log.ts';
import { clientIp } from './http/client-ip.ts';
import type { AppLogger } from './logger.ts';
import {
  type ConnectionShared,
  ignoreSocketError,
  openConnection,
  ParleySocket,
  trpcContext,
} from './ws-connection.ts';
import { startKeepAliveSweep } from './ws-keepalive.ts';
import { createWsLimits } from './ws-limits.ts';

const OPEN = 1;

interface DataFrame {
  id: string | number | null;
  jsonrpc?: '2.0';
  result?: { type?: string; id?: string; data?: { id?: string; data?: unknown } };
}

/**
 * tRPC's JSON frames, except that a tracked durable event whose JSON was made once for all
 * subscribers (see `eventJson`) is spliced in as text instead of being stringified again per
 * subscriber. The bytes are the same as `JSON.stringify(frame)` (key order included).
 */
const frameEncoder: typeof jsonEncoder = {
  encode(frame) {
    const { id, jsonrpc, result } = frame as DataFrame;
    const event = result?.data?.data;
    const json = result?.type === 'data' && result.id && event ? eventJson(event) : undefined;
    if (!json || !result?.id) return JSON.stringify(frame);
    const eventId = JSON.stringify(result.id);
    const rpc = jsonrpc === undefined ? '' : `"jsonrpc":${JSON.stringify(jsonrpc)},`;
    return `{"id":${JSON.stringify(id)},${rpc}"result":{"type":"data","data":{"id":${eventId},"data":${json}},"id":${eventId}}}`;
  },
  decode: jsonEncoder.decode,
};

/**
 * tRPC over WebSocket on the HTTP server's port, path /trpc. The access token comes in
 * `connectionParams.token` (browsers cannot set headers on a WebSocket).
 *
 * Each socket is served by ws-connection.ts; tRPC's own per-connection handler is attached to
 * a socket only when one of its messages needs it (most sockets only subscribe and send, which
 * the direct lanes serve), and one keep-alive sweep covers all sockets (ws-keepalive.ts).
 */
export function attachWebSocket(
  server: Server,
  {
    api,
    live,
    config,
    logger,
    onClosed,
    onDirectCall,
  }: {
    api: ApiDeps;
    live: LiveServices;
    config: Config;
    logger: AppLogger;
    onClosed?: (code: number) => void;
    /** A call served by ws-events.ts instead of tRPC's adapter, by path. */
    onDirectCall?: (path: string) => void;
  },
) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.WS_MAX_PAYLOAD_BYTES,
    WebSocket: ParleySocket,
  });
  // The request id of an upgrade, for its response headers and its connection's log line.
  const requestIds = new WeakMap<IncomingMessage, string>();
  wss.on('headers', (headers, req) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER.toLowerCase()] as string);
    requestIds.set(req, requestId);
    headers.push(`${REQUEST_ID_HEADER}: ${requestId}`);
  });
  const limits = createWsLimits(config); // connections per address and per user (ws-limits.ts)
  const shared: ConnectionShared = {
    api,
    live,
    logger,
    limits,
    onClosed,
    onDirectCall,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    trpcConnect: getWSConnectionHandler<AppRouter>({
      wss, // the type asks for it; only applyWSSHandler uses it
      router: appRouter,
      createContext: trpcContext,
      experimental_encoder: frameEncoder,
    }),
  };
  server.on('upgrade', (req, socket, head) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/trpc') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', ignoreSocketError);
      const ip = clientIp(req, config.TRUST_PROXY);
      if (!limits.admitAddress(ws, ip)) return;
      // Nothing of `req` is kept past this point.
      openConnection(ws, shared, {
        ip,
        requestId: requestIds.get(req) ?? requestIdOf(undefined),
        started: performance.now(),
        connectionParams: searchParams.get('connectionParams') === '1',
      });
    });
  });
  const keepAlive = startKeepAliveSweep(wss.clients, {
    pingMs: config.WS_PING_MS,
    pongWaitMs: config.WS_PONG_WAIT_MS,
  });
  return {
    wss,
    /** Ask clients to reconnect (to another instance), then close what is left. */
    async close(graceMs: number) {
      keepAlive.stop();
      // tRPC's reconnect notification (what its adapter's broadcastReconnectNotification sends).
      const reconnect = frameEncoder.encode({ id: null, method: 'reconnect' });
      for (const client of wss.clients) if (client.readyState === OPEN) client.send(reconnect);
      await new Promise<void>((resolve) => {
        if (wss.clients.size === 0) return resolve();
        const timer = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
          resolve();
        }, graceMs);
        timer.unref();
        for (const client of wss.clients) {
          client.once('close', () => {
            if (wss.clients.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          });
          client.close(1012, 'server restarting');
        }
      });
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
