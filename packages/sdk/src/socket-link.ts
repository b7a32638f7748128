import { TRPCClientError, type TRPCWebSocketClient } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';

/** The live connection's WebSocket while it can take calls, and the token it signed in with. */
export interface OpenSocket {
  client: TRPCWebSocketClient;
  token: string;
}

/** What a call on the socket rejects with: tRPC's client error, as over HTTP. */
export type SocketCallError = TRPCClientError<AnyTRPCRouter>;

const lost = (cause?: unknown): SocketCallError =>
  TRPCClientError.from(new Error('The WebSocket closed before the answer came', { cause }));

/** The part of a WebSocket (the browser's, or `ws` in Node) the calls use. */
interface CallSocket {
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

type Answer = { id: string; result?: { type: string; data?: unknown }; error?: unknown };
type Waiting = { resolve(data: unknown): void; reject(error: SocketCallError): void };

// Ids of the SDK's own calls: strings, so they never meet tRPC's numeric ids on the socket; an
// answer is recognized by its first bytes (the server writes `id` first) before it is parsed.
const ID_PREFIX = 'sdk:';
const ANSWER_PREFIX = `{"id":"${ID_PREFIX}`;
let lastCallId = 0;
const waitingBySocket = new WeakMap<CallSocket, Map<string, Waiting>>();

/**
 * The socket's unanswered calls, the one listener that answers them, and the one watch on the
 * connection's state that fails them all when the socket is given up (tRPC's client moves on to
 * connecting: a pong that never came, a close): their answers can only come on that socket.
 * Null when the socket was given up already: it takes no calls.
 */
function waitingOn(ws: CallSocket, client: TRPCWebSocketClient): Map<string, Waiting> | null {
  const known = waitingBySocket.get(ws);
  if (known) return known;
  if (client.connectionState.get().state !== 'pending') return null;
  const calls = new Map<string, Waiting>();
  waitingBySocket.set(ws, calls);
  ws.addEventListener('message', ({ data }) => {
    if (typeof data !== 'string' || !data.startsWith(ANSWER_PREFIX)) return;
    let answer: Answer;
    try {
      answer = JSON.parse(data) as Answer;
    } catch {
      return;
    }
    const call = calls.get(answer.id);
    if (!call) return;
    calls.delete(answer.id);
    if (answer.error !== undefined || !answer.result) {
      call.reject(TRPCClientError.from(answer as never));
    } else call.resolve(answer.result.data);
  });
  // The current state ('pending') comes at once and is passed over; the first other one ends it.
  const watch = client.connectionState.subscribe({
    next: ({ state, error }) => {
      if (state === 'pending') return;
      watch.unsubscribe();
      // New calls must not land here (the next socket has its own map).
      waitingBySocket.delete(ws);
      const failed = lost(error);
      for (const call of calls.values()) call.reject(failed);
      calls.clear();
    },
  });
  return calls;
}

/**
 * One query or mutation written to the live connection's WebSocket at once, as a tRPC request
 * message (the frames of docs/flutter.md); resolves with the answer's data or rejects with tRPC's
 * client error, as the same call over HTTP would. tRPC's own client sends a request only after
 * a timer tick (it batches the requests of one tick) and wraps each call in observables and an
 * abort signal; this is one `send` and one map entry. The answer comes back on the same socket
 * and tRPC's client ignores it (its id is not one of its own).
 *
 * A call must never wait for a reconnect, so one still unanswered when its socket is given up
 * fails as a network error, as a cut HTTP request does: the transport repeats a query once (over
 * HTTP while the socket is down) and the outbox retries a send (idempotent by
 * `clientMessageId`); other mutations report the error.
 */
export function callOnSocket(
  open: OpenSocket,
  type: 'query' | 'mutation',
  path: string,
  input: unknown,
): Promise<unknown> {
  const ws = open.client.connection?.ws as CallSocket | undefined;
  if (!ws) return Promise.reject(lost());
  const waiting = waitingOn(ws, open.client);
  if (!waiting) return Promise.reject(lost());
  const id = `${ID_PREFIX}${++lastCallId}`;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    try {
      ws.send(JSON.stringify({ id, method: type, params: { input, path } }));
    } catch (error) {
      waiting.delete(id);
      reject(lost(error));
    }
  });
}
