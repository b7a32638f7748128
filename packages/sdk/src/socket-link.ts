import { TRPCClientError, type TRPCLink, type TRPCWebSocketClient, wsLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import type { AuthContext } from './auth-link.ts';

/** The live connection's WebSocket while it can take calls, and the token it signed in with. */
export interface OpenSocket {
  client: TRPCWebSocketClient;
  token: string;
}

const lost = (cause?: unknown) =>
  TRPCClientError.from(new Error('The WebSocket closed before the answer came', { cause }));

/**
 * Queries and mutations over the live connection's WebSocket. The socket is looked up per call:
 * a token refresh or a lost connection replaces it. A call must never wait for a reconnect, so
 * one still unanswered when its socket is lost fails as a network error, as a cut HTTP request
 * does: the transport repeats a query once (over HTTP while the socket is down) and the outbox
 * retries a send (idempotent by `clientMessageId`); other mutations report the error.
 */
export function socketLink(socket: () => OpenSocket | null): TRPCLink<AnyTRPCRouter> {
  return (runtime) =>
    ({ op, next }) =>
      observable((observer) => {
        const open = socket();
        if (!open) {
          observer.error(lost());
          return;
        }
        const context = op.context as AuthContext;
        if (context.parley) context.parley.sentToken = open.token;
        // tRPC fails what was sent on a socket that closes, but queues what it had not sent yet
        // until the next socket opens: that wait is cut short here.
        const state = open.client.connectionState.subscribe({
          next: ({ state, error }) => {
            if (state !== 'pending') observer.error(lost(error));
          },
        });
        const call = wsLink({ client: open.client })(runtime)({ op, next }).subscribe(observer);
        return () => {
          state.unsubscribe();
          call.unsubscribe();
        };
      });
}
