import type { IncomingMessage } from 'node:http';
import { type ApiDeps, type Context, createContext, type LiveServices } from '@parley/api';
import type { CreateWSSContextFnOptions } from '@trpc/server/adapters/ws';
import {
  isObject,
  parseConnectionParamsFromUnknown,
} from '@trpc/server/unstable-core-do-not-import';
import { type RawData, WebSocket } from 'ws';
import type { AppLogger } from './logger.ts';
import {
  type DirectLaneOptions,
  type DirectStreams,
  endDirectStreams,
  flatString,
  takeDirectCalls,
} from './ws-events.ts';
import type { WsLimits } from './ws-limits.ts';

/** tRPC's per-connection handler (`getWSConnectionHandler`), attached when first needed. */
export type TrpcConnect = (ws: WebSocket, req: IncomingMessage) => void;
type MessageListener = (this: WebSocket, raw: RawData, isBinary: boolean) => void;

/** What all connections of one server share (one object, referenced by each). */
export interface ConnectionShared extends DirectLaneOptions {
  api: ApiDeps;
  live: LiveServices;
  logger: AppLogger;
  limits: WsLimits;
  trpcConnect: TrpcConnect;
  onClosed?: ((code: number) => void) | undefined;
}

/** The server's sockets: `ws` sockets that carry their connection's state. */
export class ParleySocket extends WebSocket {
  connection: Connection | undefined = undefined;
}

/**
 * One WebSocket connection's state: one object, its behaviour on the prototype and in the
 * shared listeners below (no closure per socket). The upgrade request is not kept: what the
 * connection needs of it (address, request id, start) is copied at connection.
 */
export class Connection {
  /** The client's last message (performance.now()), for the keep-alive sweep. */
  lastSeen: number;
  /** When the sweep sent PING and no message came since (0: not pinged). */
  pingedAt = 0;
  userId: string | undefined = undefined;
  userCounted = false;
  /** The context, once its creation started (with connectionParams: when they came). */
  context: Promise<Context> | undefined = undefined;
  /** tRPC's message listener, once a message needed tRPC's adapter (see `onMessage`). */
  trpc: MessageListener | undefined = undefined;
  streams: DirectStreams | undefined = undefined;

  constructor(
    readonly ws: ParleySocket,
    readonly shared: ConnectionShared,
    readonly ip: string,
    readonly requestId: string,
    readonly started: number,
  ) {
    this.lastSeen = started;
  }

  /** Creates the context, as tRPC's adapter would from these connectionParams. */
  startContext(connectionParams: Record<string, string> | null): Promise<Context> {
    const context = contextOf(this, connectionParams?.token);
    this.context = context;
    // A context that fails is answered by tRPC's adapter (its error frame, then close).
    context.then(undefined, onContextFailed.bind(this));
    return context;
  }

  /** The first message tRPC's adapter must see: its handler is attached to the socket now. */
  attachTrpc(awaitingConnectionParams: boolean): MessageListener {
    const { ws } = this;
    // The context is created already (tRPC's createContext returns it), unless the
    // connectionParams message is left for tRPC to read (it is not one Parley accepts).
    this.shared.trpcConnect(ws, awaitingConnectionParams ? PARAMS_REQUEST : PLAIN_REQUEST);
    // tRPC's message listener is taken off the socket and called from `onMessage`, after
    // the direct lanes took their messages.
    const listeners = ws.listeners('message');
    const trpc = listeners[listeners.length - 1] as MessageListener;
    ws.removeListener('message', trpc);
    this.trpc = trpc;
    return trpc;
  }
}

async function contextOf(conn: Connection, token: string | undefined): Promise<Context> {
  const { api, live, limits } = conn.shared;
  const ctx = await createContext(api, live, { token, ip: conn.ip });
  if (ctx.auth.status === 'authenticated') {
    conn.userId = ctx.auth.userId;
    limits.admitUser(conn);
  }
  return ctx;
}

function onContextFailed(this: Connection): void {
  if (!this.trpc) this.attachTrpc(false);
}

// The requests tRPC's handler is given: only its URL is read (connectionParams=1 or not).
const PLAIN_REQUEST = { url: '/trpc', headers: {} } as IncomingMessage;
const PARAMS_REQUEST = { url: '/trpc?connectionParams=1', headers: {} } as IncomingMessage;

/** tRPC's createContext: the connection's context (created by Parley, or now from tRPC's). */
export function trpcContext({ res, info }: CreateWSSContextFnOptions): Promise<Context> {
  const conn = (res as ParleySocket).connection!;
  return conn.context ?? conn.startContext(info.connectionParams as Record<string, string> | null);
}

/**
 * What tRPC's adapter reads from a connectionParams message, or undefined when it would
 * refuse it (then tRPC's handler is given the message and answers it).
 */
function connectionParamsOf(raw: Buffer): Record<string, string> | null | undefined {
  try {
    const message: unknown = JSON.parse(raw.toString('utf8'));
    if (!isObject(message)) return undefined;
    return parseConnectionParamsFromUnknown(message.data) as Record<string, string> | null;
  } catch {
    return undefined;
  }
}

/**
 * Every message of a socket. Until a message needs tRPC's adapter, the connection is
 * Parley's own: PING answered PONG, PONG ignored, the connectionParams message read (the
 * context created through the same steps), `events.subscribe`, its stop and `messages.send`
 * served by the direct lanes (ws-events.ts). Anything else (a query, another mutation, a
 * message that does not parse, a binary frame, a connectionParams message tRPC would refuse)
 * attaches tRPC's handler, which answers it and every later message the lanes leave, as it
 * did for every socket before: the frames are tRPC's own.
 */
function onMessage(this: WebSocket, raw: RawData, isBinary: boolean): void {
  const conn = (this as ParleySocket).connection;
  if (!conn) return;
  conn.lastSeen = performance.now();
  conn.pingedAt = 0;
  if (conn.trpc) {
    const rest = takeDirectCalls(conn, raw, isBinary);
    if (rest !== null) conn.trpc.call(this, rest as RawData, isBinary);
    return;
  }
  if (!Buffer.isBuffer(raw)) {
    conn.attachTrpc(conn.context === undefined).call(this, raw, isBinary);
    return;
  }
  // As tRPC's adapter: the text PING and PONG, whatever else is expected.
  if (!isBinary && raw.length === 4) {
    const text = raw.toString();
    if (text === 'PONG') return;
    if (text === 'PING') {
      this.send('PONG');
      return;
    }
  }
  if (conn.context === undefined) {
    const params = isBinary ? undefined : connectionParamsOf(raw);
    if (params === undefined) conn.attachTrpc(true).call(this, raw, isBinary);
    else void conn.startContext(params);
    return;
  }
  const rest = takeDirectCalls(conn, raw, isBinary);
  if (rest !== null) conn.attachTrpc(false).call(this, rest as RawData, isBinary);
}

/** The socket closed: its access log line, metrics, limits and direct streams. */
function onClose(this: WebSocket, code: number): void {
  const conn = (this as ParleySocket).connection;
  if (!conn) return;
  const { shared } = conn;
  endDirectStreams(conn);
  shared.limits.release(conn);
  shared.onClosed?.(code);
  // One line per connection when it ends (no query string: it is never logged).
  shared.logger.info(
    {
      kind: 'ws',
      requestId: conn.requestId,
      method: 'GET',
      route: '/trpc',
      status: 101,
      closeCode: code,
      durationMs: Math.round(performance.now() - conn.started),
      userId: conn.userId,
    },
    'websocket closed',
  );
}

/** A socket error is followed by its close; tRPC's listener (when attached) reports nothing. */
export function ignoreSocketError(): void {}

/**
 * Takes an admitted socket: its connection state and the shared listeners. Without
 * `?connectionParams=1` the context is created at once (no token), as tRPC's adapter does.
 */
export function openConnection(
  ws: ParleySocket,
  shared: ConnectionShared,
  request: { ip: string; requestId: string; started: number; connectionParams: boolean },
): void {
  const { ip, requestId, started } = request;
  const conn = new Connection(ws, shared, flatString(ip), flatString(requestId), started);
  ws.connection = conn;
  ws.on('message', onMessage);
  ws.on('close', onClose);
  if (!request.connectionParams) void conn.startContext(null);
}
