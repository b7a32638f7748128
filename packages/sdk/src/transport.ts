import { createTRPCUntypedClient, httpBatchLink, splitLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { type AuthContext, authLink } from './auth-link.ts';
import { type Procedures, procedureKinds } from './contract.gen.ts';
import { toParleyError } from './errors.ts';
import type { SessionManager } from './session.ts';
import { type OpenSocket, socketLink } from './socket-link.ts';

export type ProcedurePath = keyof Procedures;
export type Request = <P extends ProcedurePath>(
  path: P,
  input: Procedures[P]['input'],
) => Promise<Procedures[P]['output']>;

/**
 * Queries and mutations: over the live WebSocket while it is open (no HTTP request, no token
 * check per call), over HTTP otherwise (before sign-in, while connecting or reconnecting, after
 * close). The choice is made per call, when it goes out, from the socket's state at that moment.
 * HTTP calls are batched: calls made in the same tick share a request.
 */
export function createTransport(options: {
  url: string;
  session: SessionManager;
  /** The live connection's socket if it can take calls now, else null. */
  socket(): OpenSocket | null;
  fetch?: typeof fetch;
}): Request {
  const client = createTRPCUntypedClient<AnyTRPCRouter>({
    links: [
      authLink(options.session),
      splitLink({
        condition: (op) => op.type !== 'subscription' && options.socket() !== null,
        true: socketLink(options.socket),
        false: httpBatchLink({
          url: `${options.url}/trpc`,
          fetch: options.fetch,
          // Long GET batches break some proxies; past this tRPC splits the batch.
          maxURLLength: 4000,
          headers: ({ opList }) => {
            const token = options.session.token;
            for (const op of opList) {
              const context = op.context as AuthContext;
              if (context.parley) context.parley.sentToken = token;
            }
            return token ? { authorization: `Bearer ${token}` } : {};
          },
        }),
      }),
    ],
  });
  return async (path, input) => {
    const call = () =>
      procedureKinds[path] === 'query' ? client.query(path, input) : client.mutation(path, input);
    try {
      return (await call()) as never;
    } catch (cause) {
      const error = toParleyError(cause);
      // A query is safe to repeat: once, for the connection that died under it (a pooled
      // keep-alive socket, or the WebSocket; the next attempt goes over HTTP or a new socket).
      // Mutations are never repeated here.
      if (error.code !== 'NETWORK_ERROR' || procedureKinds[path] !== 'query') throw error;
    }
    try {
      return (await call()) as never;
    } catch (cause) {
      throw toParleyError(cause);
    }
  };
}
