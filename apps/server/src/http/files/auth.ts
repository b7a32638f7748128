import { type ApiDeps, createContext, type LiveServices } from '@parley/api';
import { createMiddleware } from 'hono/factory';

/** `signed`: a download authorized by its signed URL (no user; the route checks the URL). */
export type FilesEnv = { Variables: { userId: string; signed?: boolean } };

/**
 * The same bearer access token as tRPC, checked by the same code (createContext): a missing,
 * invalid or expired token answers 401 with the reason.
 */
export function requireUser(api: ApiDeps, live: LiveServices) {
  return createMiddleware<FilesEnv>(async (c, next) => {
    const ctx = await createContext(api, live, {
      token: c.req.header('authorization'),
      ip: '',
    });
    if (ctx.auth.status !== 'authenticated') {
      // HEAD (tus offsets) has no body: no JSON content type for a body that is not there.
      if (c.req.method === 'HEAD') {
        return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
      }
      const expired = ctx.auth.status === 'rejected' && ctx.auth.reason === 'expired';
      return c.json(
        {
          code: 'UNAUTHORIZED',
          message: expired ? 'Access token expired' : 'Authentication required',
        },
        401,
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    c.set('userId', ctx.auth.userId);
    await next();
  });
}
