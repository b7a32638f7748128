import type { OperationContext, TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { isBanned, type SessionManager } from './session.ts';

/** Per-call bookkeeping: which access token actually went out with the call. */
export interface AuthContext extends OperationContext {
  parley?: { sentToken: string | null };
}

const isPublic = (path: string) => path.startsWith('auth.');

/**
 * Before each authenticated call: a fresh token (refreshing first when due). After an
 * UNAUTHORIZED answer: one shared refresh and one retry, so an access token that expired
 * early (clock skew, server restart with another secret) costs the app nothing. The link that
 * sends the call records the token it went out with (the HTTP header's, or the one the
 * WebSocket authenticated with); a refresh is only asked for when that token is still current.
 */
export function authLink(session: SessionManager): TRPCLink<AnyTRPCRouter> {
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
              // A ban refuses every call: the session ends (the live stream stops with it).
              if (!isPublic(op.path) && isBanned(error.data ?? {})) session.signOut('banned');
              const sent = context.parley?.sentToken;
              if (retried || !sent || isPublic(op.path) || error.data?.code !== 'UNAUTHORIZED') {
                observer.error(error);
                return;
              }
              // The retry goes through the split again: to the socket opened with the new
              // token once it is up, over HTTP until then.
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
