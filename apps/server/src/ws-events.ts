import {
  appRouter,
  type Context,
  callDirect,
  type DirectStream,
  directCallPaths,
  eventJson,
  SlowConsumerError,
  type StreamItem,
} from '@parley/api';
import { TRPCError } from '@trpc/server';
import {
  callProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAbortError,
  isAsyncIterable,
  isObject,
  parseTRPCMessage,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type { WebSocket } from 'ws';

const PATH = 'events.subscribe';
const OPEN = 1;

export type RequestId = string | number;

const SUBSCRIBE = { type: 'subscription', path: PATH } as const;
/** The mutations the direct lane takes (see `callDirect` in the API). */
const DIRECT_PATHS = new Set(directCallPaths);

// The hub hands one item to all its subscribers in a row: the end of the frame after the
// subscription id, the same for all of them, is made once per item, not per subscriber.
let lastItem: StreamItem | undefined;
let lastTail = '';

/** The `net.Socket` under a `ws` socket (not public in `ws`'s types; stable across ws 8). */
type Corkable = { cork(): void; uncork(): void };
const socketOf = (ws: WebSocket) => (ws as unknown as { _socket?: Corkable | null })._socket;

// Sockets corked for the current tick (true), or corked and let go early (false).
let corked = new Map<Corkable, boolean>();
function uncorkAll(): void {
  const sockets = corked;
  corked = new Map();
  for (const [socket, held] of sockets) if (held) socket.uncork();
}

/**
 * At most this much is held back per socket: past it the socket is uncorked at once, so a tick
 * that writes a lot to one socket (a replay page of long messages) reaches the kernel as it
 * did without corking, and the slow-consumer check sees only what the kernel refused.
 */
const CORK_MAX_BYTES = 64 * 1024;

/**
 * Holds this socket's writes until the current tick's work (its microtasks included) is done,
 * then writes them in one `writev`: a send batch hands its events over and then answers each
 * sender, so a sender's own event and the answer to its send leave in one system call instead
 * of two. Nothing waits longer than the tick (`process.nextTick` runs after the microtasks).
 */
function corkForTick(ws: WebSocket): void {
  const socket = socketOf(ws);
  if (!socket || corked.has(socket)) return;
  socket.cork();
  corked.set(socket, true);
  if (corked.size === 1) process.nextTick(uncorkAll);
}

/** Lets a socket's corked writes go now when they pass `CORK_MAX_BYTES`. */
function limitCork(ws: WebSocket): void {
  if (ws.bufferedAmount <= CORK_MAX_BYTES) return;
  const socket = socketOf(ws);
  if (!socket || corked.get(socket) !== true) return;
  corked.set(socket, false);
  socket.uncork();
}

/** The frame after `"result":{"type":"data","data":`: tracked for durable events. */
function tailOf(item: StreamItem): string {
  if (item === lastItem) return lastTail;
  let tail: string;
  if (item.kind === 'durable') {
    // tracked(id, event): result.data = { id, data: event } and result.id = id.
    const json = eventJson(item.event) ?? JSON.stringify(item.event);
    const eventId = JSON.stringify(item.event.id);
    tail = `{"id":${eventId},"data":${json}},"id":${eventId}}}`;
  } else {
    tail = `${JSON.stringify(item.event)}}}`;
  }
  lastItem = item;
  lastTail = tail;
  return tail;
}

/** What the direct lanes need of a connection (ws-connection.ts's `Connection`). */
export interface DirectLaneConnection {
  readonly ws: WebSocket;
  /** The connection's context, once its creation started (until then nothing is taken). */
  context: Promise<Context> | undefined;
  /** Running `events.subscribe` streams by request id; created with the first. */
  streams: DirectStreams | undefined;
  readonly shared: DirectLaneOptions;
}

export interface DirectLaneOptions {
  maxBufferedBytes: number;
  /** Each call served here, by path (the metrics count them). */
  onDirectCall?: ((path: string) => void) | undefined;
}

const config = appRouter._def._config;

/** Writes a response frame already in wire form, if the socket is still open. */
function sendFrame(ws: WebSocket, frame: object): void {
  if (ws.readyState !== OPEN) return;
  ws.send(JSON.stringify(frame));
}

function respond(ws: WebSocket, response: Parameters<typeof transformTRPCResponse>[1]): void {
  sendFrame(ws, transformTRPCResponse(config, response));
}

/**
 * A result with data, as `transformTRPCResponse` makes it, built at once: its object spreads
 * (four per reply) were ~2.7% of the CPU of a send at 2,000 msg/s.
 */
function respondWithData(
  ws: WebSocket,
  id: RequestId,
  jsonrpc: '2.0' | undefined,
  data: unknown,
): void {
  const result = { type: 'data', data: config.transformer.output.serialize(data) };
  sendFrame(ws, { id, jsonrpc, result });
}

function respondWithError(
  ws: WebSocket,
  id: RequestId,
  jsonrpc: '2.0' | undefined,
  cause: unknown,
  input: unknown,
  context: Context | undefined,
  call: { type: 'subscription' | 'mutation'; path: string } = SUBSCRIBE,
): void {
  const error = getTRPCErrorFromUnknown(cause);
  respond(ws, {
    id,
    jsonrpc,
    error: getErrorShape({
      config,
      error,
      type: call.type,
      path: call.path,
      input,
      ctx: context,
    }),
  });
}

/** The same steps as the ws adapter's `handleRequest` for a mutation on the direct lane. */
async function mutate(
  ws: WebSocket,
  id: RequestId,
  jsonrpc: '2.0' | undefined,
  path: string,
  input: unknown,
  contextPromise: Promise<Context>,
): Promise<void> {
  let context: Context | undefined;
  try {
    context = await contextPromise;
    respondWithData(ws, id, jsonrpc, await callDirect(context, path, input));
  } catch (cause) {
    respondWithError(ws, id, jsonrpc, cause, input, context, { type: 'mutation', path });
  }
}

type StopListener = { handleEvent(): void };

/**
 * One `events.subscribe` on this socket: where the procedure pushes its items (tRPC's data
 * frame: the head, up to the data, made once per subscription, the rest once per item for all
 * subscribers), how it learns that it was stopped (a `StopSignal`: the stream's one listener,
 * instead of an AbortController, an EventTarget with its maps, per stream), and, once the
 * procedure started it and returned, what answers its end (`stopped`, after the error if it was
 * cut): the subscription lives on in this object alone.
 */
class SocketStream implements DirectStream {
  aborted = false;
  /** The procedure started the stream (`begin`); its end is answered by `end`. */
  running = false;
  /** Its end was answered (or given up) and its place on the connection freed. */
  private done = false;
  private listener: StopListener | undefined = undefined;
  /** The connection's context, for the error's shape. */
  context: Context | undefined = undefined;

  constructor(
    private readonly conn: DirectLaneConnection,
    readonly id: RequestId,
    private readonly jsonrpc: '2.0' | undefined,
    private readonly input: unknown,
    private readonly head: string,
  ) {}

  get signal(): this {
    return this;
  }

  write(item: StreamItem): void {
    const { ws } = this.conn;
    if (ws.readyState !== OPEN) return;
    corkForTick(ws);
    ws.send(this.head + tailOf(item));
    limitCork(ws);
    // The socket backs up (a client that stopped reading): cut it as a slow consumer; it
    // resumes from its last event id.
    if (ws.bufferedAmount > this.conn.shared.maxBufferedBytes) throw new SlowConsumerError();
  }

  addEventListener(_type: 'abort', listener: StopListener): void {
    this.listener = listener;
  }

  removeEventListener(_type: 'abort', listener: StopListener): void {
    if (this.listener === listener) this.listener = undefined;
  }

  /** The subscription was stopped, or its socket closed: the stream ends. */
  stop(): void {
    if (this.aborted) return;
    this.aborted = true;
    const { listener } = this;
    this.listener = undefined;
    listener?.handleEvent();
  }

  begin(): void {
    this.running = true;
  }

  /**
   * The stream ended (once; what comes after is ignored): its place on the connection is
   * freed and, unless `answer` is false, its end answered as tRPC's loop answers it: one that
   * failed answers the error, then `stopped`; one that fails after it was stopped answers
   * nothing more than `stopped`.
   */
  end(error?: unknown, answer = true): void {
    if (this.done) return;
    this.done = true;
    this.running = false;
    const { conn, id, jsonrpc } = this;
    if (conn.ws.readyState !== OPEN) this.stop();
    conn.streams?.delete(this);
    if (!answer) return;
    if (error !== undefined && !this.aborted) {
      respondWithError(conn.ws, id, jsonrpc, error, this.input, this.context);
    }
    respond(conn.ws, { id, jsonrpc, result: { type: 'stopped' } });
  }
}

/**
 * A connection's running streams by request id: the one a device runs in a field, more (a
 * reconnect's overlap, up to the limit) in a Map made only then, since every connection keeps
 * this for as long as it is open.
 */
export class DirectStreams {
  private one: SocketStream | undefined = undefined;
  private more: Map<RequestId, SocketStream> | undefined = undefined;

  get size(): number {
    return (this.one ? 1 : 0) + (this.more?.size ?? 0);
  }

  get(id: RequestId): SocketStream | undefined {
    return this.one?.id === id ? this.one : this.more?.get(id);
  }

  add(stream: SocketStream): void {
    if (!this.one) {
      this.one = stream;
      return;
    }
    this.more ??= new Map();
    this.more.set(stream.id, stream);
  }

  delete(stream: SocketStream): void {
    if (this.one === stream) this.one = undefined;
    else if (this.more?.get(stream.id) === stream) this.more.delete(stream.id);
  }

  all(): SocketStream[] {
    const streams = this.more ? [...this.more.values()] : [];
    if (this.one) streams.unshift(this.one);
    return streams;
  }
}

function ignore(): void {}

/** The same steps as the ws adapter's `handleRequest` for a subscription. */
async function subscribe(
  conn: DirectLaneConnection,
  id: RequestId,
  jsonrpc: '2.0' | undefined,
  input: unknown,
  contextPromise: Promise<Context>,
  batchIndex: number,
): Promise<void> {
  const { ws } = conn;
  conn.streams ??= new DirectStreams();
  const streams = conn.streams;
  if (streams.get(id)) {
    respondWithError(
      ws,
      id,
      jsonrpc,
      new TRPCError({ message: `Duplicate id ${id}`, code: 'BAD_REQUEST' }),
      input,
      undefined,
    );
    return;
  }
  // The frame's start, the same for every item of this subscription.
  const head = `{"id":${JSON.stringify(id)},${jsonrpc === undefined ? '' : '"jsonrpc":"2.0",'}"result":{"type":"data","data":`;
  const stream = new SocketStream(conn, id, jsonrpc, input, flatString(head));
  streams.add(stream);
  let context: Context | undefined;
  let failed: unknown;
  try {
    context = await contextPromise;
    stream.context = context;
    if (stream.aborted || ws.readyState !== OPEN) {
      stream.end(undefined, false);
      return;
    }
    const result: unknown = await callProcedure({
      router: appRouter,
      path: PATH,
      getRawInput: async () => input,
      ctx: { ...context, directStream: stream },
      type: 'subscription',
      // The stream's own stop signal ends it (`directStream.signal`).
      signal: undefined,
      batchIndex,
    });
    if (!isAsyncIterable(result)) {
      throw new TRPCError({
        message: `Subscription ${PATH} did not return an observable or a AsyncGenerator`,
        code: 'INTERNAL_SERVER_ERROR',
      });
    }
    const iterator = result[Symbol.asyncIterator]();
    if (stream.aborted || ws.readyState !== OPEN) {
      stream.stop();
      await iterator.return?.();
      stream.end(undefined, false);
      return;
    }
    respond(ws, { id, jsonrpc, result: { type: 'started' } });
    try {
      // The procedure starts the stream and returns (or refuses it): items never come here.
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
      }
    } catch (cause) {
      failed = cause;
    }
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    // A failed setup answers the error only (no `stopped`), as the adapter does; one given up
    // because the subscription was stopped is not an error.
    const cancelled =
      stream.aborted && error.code === 'INTERNAL_SERVER_ERROR' && isAbortError(error.cause);
    stream.end(undefined, cancelled);
    if (!cancelled) respondWithError(ws, id, jsonrpc, error, input, context);
    return;
  }
  // Running: its end answers (SocketStream.end). Refused, or ended already: answered now.
  if (!stream.running) stream.end(failed);
}

/**
 * `events.subscribe` (and a device's hot mutations) over WebSocket without tRPC's adapter.
 *
 * tRPC's ws adapter runs an async iterator per subscription and, per event, a race of
 * `next()` against the abort signal and one encode: a fan-out to 2,000 sockets paid that 2,000
 * times. Here the socket's `events.subscribe` and matching `subscription.stop` messages are
 * taken before tRPC's adapter sees them; the procedure is called exactly as the adapter calls it
 * (`callProcedure`: same context, middlewares, input validation), with a `directStream` in its
 * context, so it pushes each item here and a live item costs a filter check and one `ws.send`
 * of a frame around the event's JSON made once. The frames are tRPC's, byte for byte (`started`,
 * data, `stopped`, errors through the router's error formatter); everything else on the socket
 * (queries, other mutations, other subscriptions, PING/PONG, connectionParams) goes to tRPC
 * unchanged (ws-connection.ts).
 *
 * The mutations a device makes all the time (`messages.send`, `conversations.markDelivered`,
 * `conversations.markRead`, `typing.set`: `directCallPaths`) take the same way round tRPC's
 * adapter (`callDirect`, the procedure's own steps without tRPC's per-call machinery: see
 * live/direct-calls.ts in the API); the reply is tRPC's data frame, byte for byte, and a refusal
 * tRPC's error frame.
 *
 * Returns what is left of `raw` for tRPC: `raw` itself when nothing was taken, null when
 * everything was. Nothing is taken before the connection's context creation started (the
 * first message may be the connectionParams message).
 */
export function takeDirectCalls(
  conn: DirectLaneConnection,
  raw: unknown,
  isBinary: boolean,
): unknown {
  const contextPromise = conn.context;
  if (isBinary || !contextPromise || !Buffer.isBuffer(raw)) return raw;
  if (
    !raw.includes(PATH) &&
    !mayHoldDirectCall(raw) &&
    !((conn.streams?.size ?? 0) > 0 && raw.includes('subscription.stop'))
  ) {
    return raw;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return raw; // tRPC answers PARSE_ERROR
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const kept: unknown[] = [];
  const taken: (() => void)[] = [];
  const { transformer } = config;
  for (const [batchIndex, message] of messages.entries()) {
    if (!isObject(message) || (message.id !== undefined && !isRequestId(message.id))) {
      kept.push(message);
      continue;
    }
    const id = message.id as RequestId;
    if (message.method === 'subscription.stop' && conn.streams?.get(id)) {
      taken.push(() => conn.streams?.get(id)?.stop());
      continue;
    }
    if (!isObject(message.params)) {
      kept.push(message);
      continue;
    }
    const { path } = message.params;
    const lane =
      message.method === 'subscription' && path === PATH
        ? 'subscribe'
        : message.method === 'mutation' && typeof path === 'string' && DIRECT_PATHS.has(path)
          ? 'mutate'
          : null;
    if (lane === null) {
      kept.push(message);
      continue;
    }
    let request: ReturnType<typeof parseTRPCMessage>;
    try {
      request = parseTRPCMessage(message, transformer);
    } catch {
      kept.push(message); // malformed: tRPC answers it as it always did
      continue;
    }
    if (request.id === null || request.method === 'subscription.stop') {
      kept.push(message);
      continue;
    }
    const { jsonrpc } = request;
    let { input } = request.params;
    const { lastEventId } = request.params;
    // As the adapter does: the client's lastEventId goes into the input.
    if (lastEventId !== undefined) {
      if (isObject(input)) input = { ...input, lastEventId };
      else input ??= { lastEventId };
    }
    const { onDirectCall } = conn.shared;
    if (lane === 'mutate') {
      const mutation = path as string;
      taken.push(() => {
        onDirectCall?.(mutation);
        void mutate(conn.ws, id, jsonrpc, mutation, input, contextPromise);
      });
    } else {
      taken.push(() => {
        onDirectCall?.(PATH);
        void subscribe(conn, id, jsonrpc, input, contextPromise, batchIndex).catch(ignore);
      });
    }
  }
  for (const run of taken) run();
  if (taken.length === 0) return raw;
  if (kept.length === 0) return null;
  return Buffer.from(JSON.stringify(kept));
}

/** Whether a message's text names one of the direct lane's mutations (then it is parsed). */
function mayHoldDirectCall(raw: Buffer): boolean {
  for (const path of DIRECT_PATHS) if (raw.includes(path)) return true;
  return false;
}

/** The socket closed: its direct streams end. */
export function endDirectStreams(conn: DirectLaneConnection): void {
  if (!conn.streams) return;
  for (const stream of conn.streams.all()) stream.stop();
}

/**
 * The same text as one flat string. A string built by concatenation (randomUUID's request
 * ids, a template) stays a chain of pieces in V8 (~30 bytes each) for as long as it lives;
 * what a connection keeps is kept flat.
 */
export function flatString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function isRequestId(id: unknown): id is RequestId {
  return typeof id === 'string' || typeof id === 'number';
}
