import { TRPCClientError, type TRPCLink, type TRPCWebSocketClient } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { type Observer, observable } from '@trpc/server/observable';
import type { AuthContext } from './auth-link.ts';

/** The live connection's WebSocket while it can take calls, and the token it signed in with. */
export interface OpenSocket {
  client: TRPCWebSocketClient;
  token: string;
}

const lost = (cause?: unknown) =>
  TRPCClientError.from(new Error('The WebSocket closed before the answer came', { cause }));

/** The part of a WebSocket (the browser's, or `ws` in Node) the calls use. */
interface CallSocket {
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

type Answer = { id: string; result?: { type: string; data?: unknown }; error?: unknown };

// Ids of the SDK's own calls: strings, so they never meet tRPC's numeric ids on the socket; an
// answer is recognized by its first bytes (the server writes `id` first) before it is parsed.
const ID_PREFIX = 'sdk:';
const ANSWER_PREFIX = `{"id":"${ID_PREFIX}`;
let lastCallId = 0;
const waitingBySocket = new WeakMap<CallSocket, Map<string, (answer: Answer) => void>>();

/** The socket's unanswered calls, and the one listener that answers them. */
function waitingOn(ws: CallSocket): Map<string, (answer: Answer) => void> {
  let waiting = waitingBySocket.get(ws);
  if (!waiting) {
    const calls = new Map<string, (answer: Answer) => void>();
    ws.addEventListener('message', ({ data }) => {
      if (typeof data !== 'string' || !data.startsWith(ANSWER_PREFIX)) return;
      let answer: Answer;
      try {
        answer = JSON.parse(data) as Answer;
      } catch {
        return;
      }
      const settle = calls.get(answer.id);
      calls.delete(answer.id);
      settle?.(answer);
    });
    waiting = calls;
    waitingBySocket.set(ws, waiting);
  }
  return waiting;
}

/**
 * One query or mutation written to the socket at once, as a tRPC request message (the frames
 * of docs/flutter.md). tRPC's own client sends a request only after a timer tick (it batches
 * the requests of one tick), which costs every call a millisecond or more; the answer comes
 * back on the same socket and tRPC's client ignores it (its id is not one of its own).
 */
function callOnSocket(
  ws: CallSocket,
  op: { type: string; path: string; input: unknown },
  observer: Observer<{ result: { type: 'data'; data: unknown } }, TRPCClientError<AnyTRPCRouter>>,
): () => void {
  const id = `${ID_PREFIX}${++lastCallId}`;
  const waiting = waitingOn(ws);
  waiting.set(id, (answer) => {
    if (answer.error !== undefined || !answer.result) {
      observer.error(TRPCClientError.from(answer as never));
      return;
    }
    observer.next({ result: { type: 'data', data: answer.result.data } });
    observer.complete();
  });
  try {
    ws.send(JSON.stringify({ id, method: op.type, params: { input: op.input, path: op.path } }));
  } catch (error) {
    waiting.delete(id);
    observer.error(lost(error));
  }
  return () => waiting.delete(id);
}

/**
 * Queries and mutations over the live connection's WebSocket. The socket is looked up per call:
 * a token refresh or a lost connection replaces it. A call must never wait for a reconnect, so
 * one still unanswered when its socket is lost fails as a network error, as a cut HTTP request
 * does: the transport repeats a query once (over HTTP while the socket is down) and the outbox
 * retries a send (idempotent by `clientMessageId`); other mutations report the error.
 */
export function socketLink(socket: () => OpenSocket | null): TRPCLink<AnyTRPCRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        const open = socket();
        if (!open) {
          observer.error(lost());
          return;
        }
        const context = op.context as AuthContext;
        if (context.parley) context.parley.sentToken = open.token;
        // A call unanswered when its socket closes (tRPC's client moves on to connecting)
        // fails at once; its answer can only come on that socket.
        const state = open.client.connectionState.subscribe({
          next: ({ state, error }) => {
            if (state !== 'pending') observer.error(lost(error));
          },
        });
        const ws = open.client.connection?.ws as CallSocket | undefined;
        if (!ws) {
          state.unsubscribe();
          observer.error(lost());
          return;
        }
        const stop = callOnSocket(ws, op, observer);
        return () => {
          state.unsubscribe();
          stop();
        };
      });
}
