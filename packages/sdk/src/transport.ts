import { createTRPCUntypedClient, httpBatchLink, type OperationContext } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { type Procedures, procedureKinds } from './contract.gen.ts';
import { toParleyError } from './errors.ts';
import { isBanned, type SessionManager } from './session.ts';
import { callOnSocket, type OpenSocket } from './socket-link.ts';

export type ProcedurePath = keyof Procedures;
export type Request = <P extends ProcedurePath>(
  path: P,
  input: Procedures[P]['input'],
) => Promise<Procedures[P]['output']>;

/** Which access token actually went out with a call (set by the transport that sent it). */
type Sent = { token: string | null };

const isPublic = (path: string) => path.startsWith('auth.');

/**
 * Queries and mutations: over the live WebSocket while it is open (no HTTP request, no token
 * check per call), over HTTP otherwise (before sign-in, while connecting or reconnecting, after
 * close). The choice is made per call, when it goes out, from the socket's state at that moment.
 * HTTP calls are batched: calls made in the same tick share a request.
 *
 * Before each authenticated call: a fresh token (refreshing first when due). After an
 * UNAUTHORIZED answer: one shared refresh and one retry, so an access token that expired early
 * (clock skew, server restart with another secret) costs the app nothing; a refresh is only
 * asked for when the token the call went out with (the HTTP header's, or the one the WebSocket
 * signed in with) is still current. The retry goes out the same way: to the socket opened with
 * the new token once it is up, over HTTP until then. A ban refuses every call: the session ends
 * (the live stream stops with it).
 */
export function createTransport(options: {
  url: string;
  session: SessionManager;
  /** The live connection's socket if it can take calls now, else null. */
  socket(): OpenSocket | null;
  fetch?: typeof fetch;
}): Request {
  const { session } = options;
  const http = createTRPCUntypedClient<AnyTRPCRouter>({
    links: [
      httpBatchLink({
        url: `${options.url}/trpc`,
        fetch: options.fetch,
        // Long GET batches break some proxies; past this tRPC splits the batch.
        maxURLLength: 4000,
        headers: ({ opList }) => {
          const token = session.token;
          for (const op of opList) {
            const sent = (op.context as OperationContext & { sent?: Sent }).sent;
            if (sent) sent.token = token;
          }
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });

  /** One attempt: on the socket if it can take calls now, else over HTTP. */
  function send(path: ProcedurePath, input: unknown, sent: Sent): Promise<unknown> {
    const type = procedureKinds[path] === 'query' ? 'query' : 'mutation';
    const open = options.socket();
    if (open) {
      sent.token = open.token;
      return callOnSocket(open, type, path, input);
    }
    const context = { sent };
    return type === 'query'
      ? http.query(path, input, { context })
      : http.mutation(path, input, { context });
  }

  /** One attempt with a fresh token, and the one retry after an early UNAUTHORIZED. */
  async function authorized(path: ProcedurePath, input: unknown): Promise<unknown> {
    if (isPublic(path)) return send(path, input, { token: null });
    for (let retried = false; ; retried = true) {
      await session.accessToken();
      const sent: Sent = { token: null };
      try {
        return await send(path, input, sent);
      } catch (cause) {
        const data = (cause as { data?: { code?: string; reason?: string } | null }).data ?? {};
        if (isBanned(data)) session.signOut('banned');
        if (retried || !sent.token || data.code !== 'UNAUTHORIZED') throw cause;
        await session.refresh(sent.token);
      }
    }
  }

  return async (path, input) => {
    try {
      return (await authorized(path, input)) as never;
    } catch (cause) {
      const error = toParleyError(cause);
      // A query is safe to repeat: once, for the connection that died under it (a pooled
      // keep-alive socket, or the WebSocket; the next attempt goes over HTTP or a new socket).
      // Mutations are never repeated here.
      if (error.code !== 'NETWORK_ERROR' || procedureKinds[path] !== 'query') throw error;
    }
    try {
      return (await authorized(path, input)) as never;
    } catch (cause) {
      throw toParleyError(cause);
    }
  };
}
