import {
  createTRPCUntypedClient,
  httpBatchLink,
  type OperationContext,
  type TRPCLink,
} from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { type Procedures, procedureKinds } from './contract.gen.ts';
import { toParleyError } from './errors.ts';
import type { SessionManager } from './session.ts';

export type ProcedurePath = keyof Procedures;
export type Request = <P extends ProcedurePath>(
  path: P,
  input: Procedures[P]['input'],
) => Promise<Procedures[P]['output']>;

/** Per-call bookkeeping: which access token actually went out with the request. */
interface AuthContext extends OperationContext {
  parley?: { sentToken: string | null };
}

const isPublic = (path: string) => path.startsWith('auth.');

/**
 * Before each authenticated call: a fresh token (refreshing first when due). After an
 * UNAUTHORIZED answer: one shared refresh and one retry, so an access token that expired
 * early (clock skew, server restart with another secret) costs the app nothing.
 */
function authLink(session: SessionManager): TRPCLink<AnyTRPCRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let unsubscribe: (() => void) | undefined;
        let cancelled = false;
        const attempt = async (retried: boolean) => {
          const context: AuthContext = { ...op.context, parley: { sentToken: null } };
          if (!isPublic(op.path)) await session.accessToken();
          if (cancelled) return;
          const subscription = next({ ...op, context }).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              const sent = context.parley?.sentToken;
              if (retried || !sent || isPublic(op.path) || error.data?.code !== 'UNAUTHORIZED') {
                observer.error(error);
                return;
              }
              session.refresh(sent).then(
                () => attempt(true).catch((e) => observer.error(e)),
                (refreshError) => observer.error(refreshError),
              );
            },
          });
          unsubscribe = () => subscription.unsubscribe();
        };
        attempt(false).catch((error) => observer.error(error));
        return () => {
          cancelled = true;
          unsubscribe?.();
        };
      });
}

/** Queries and mutations over HTTP (batched: calls made in the same tick share a request). */
export function createHttpTransport(options: {
  url: string;
  session: SessionManager;
  fetch?: typeof fetch;
}): Request {
  const client = createTRPCUntypedClient<AnyTRPCRouter>({
    links: [
      authLink(options.session),
      httpBatchLink({
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
    ],
  });
  return async (path, input) => {
    const call = () =>
      procedureKinds[path] === 'query' ? client.query(path, input) : client.mutation(path, input);
    try {
      return (await call()) as never;
    } catch (cause) {
      const error = toParleyError(cause);
      // A query is safe to repeat: once, for the pooled keep-alive socket that died with the
      // network (the next attempt opens a new one). Mutations are never repeated here.
      if (error.code !== 'NETWORK_ERROR' || procedureKinds[path] !== 'query') throw error;
    }
    try {
      return (await call()) as never;
    } catch (cause) {
      throw toParleyError(cause);
    }
  };
}
