import type { IncomingMessage, Server } from 'node:http';
import {
  type ApiDeps,
  appRouter,
  type Context,
  createContext,
  eventJson,
  type LiveServices,
} from '@parley/api';
import {
  applyWSSHandler,
  type CreateWSSContextFnOptions,
  jsonEncoder,
} from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { Config } from './config.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './http/access-log.ts';
import { clientIp } from './http/client-ip.ts';
import type { AppLogger } from './logger.ts';
import { interceptEventStreams } from './ws-events.ts';
import { createWsLimits } from './ws-limits.ts';

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
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.WS_MAX_PAYLOAD_BYTES });
  // Per connection, for its access log line: request id, start, user once authenticated.
  const connections = new WeakMap<IncomingMessage, { requestId: string; userId?: string }>();
  wss.on('headers', (headers, req) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER.toLowerCase()] as string);
    connections.set(req, { requestId });
    headers.push(`${REQUEST_ID_HEADER}: ${requestId}`);
  });
  // Per socket, the context tRPC creates for it (once it starts creating it).
  const contexts = new WeakMap<object, Promise<Context>>();
  wss.on('connection', (ws, req) => {
    const started = performance.now();
    // Registered before tRPC's handler: `events.subscribe` and `messages.send` are served by
    // ws-events.ts.
    interceptEventStreams(ws, () => contexts.get(ws), {
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      onDirectCall,
    });
    ws.once('close', (code) => {
      onClosed?.(code);
      const info = connections.get(req);
      // One line per connection when it ends (no query string: it is never logged).
      logger.info(
        {
          kind: 'ws',
          requestId: info?.requestId,
          method: 'GET',
          route: '/trpc',
          status: 101,
          closeCode: code,
          durationMs: Math.round(performance.now() - started),
          userId: info?.userId,
        },
        'websocket closed',
      );
    });
  });
  const limits = createWsLimits(config); // connections per address and per user (ws-limits.ts)
  server.on('upgrade', (req, socket, head) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/trpc') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (limits.admitAddress(ws, req)) wss.emit('connection', ws, req);
    });
  });
  const contextOf = limits.checked(async ({ req, info }: CreateWSSContextFnOptions) => {
    const ctx = await createContext(api, live, {
      token: info.connectionParams?.token,
      ip: clientIp(req, config.TRUST_PROXY),
    });
    const entry = connections.get(req);
    if (entry && ctx.auth.status === 'authenticated') entry.userId = ctx.auth.userId;
    return ctx;
  });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: (options) => {
      const ctx = contextOf(options);
      contexts.set(options.res, ctx);
      return ctx;
    },
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
    experimental_encoder: frameEncoder,
  });
  return {
    wss,
    /** Ask clients to reconnect (to another instance), then close what is left. */
    async close(graceMs: number) {
      handler.broadcastReconnectNotification();
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
