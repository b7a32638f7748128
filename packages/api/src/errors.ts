import { TRPCError } from '@trpc/server';

/** Cause attached to TOO_MANY_REQUESTS errors; the error formatter exposes `retryAfterMs`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited, retry after ${retryAfterMs} ms`);
  }
}

export function tooManyRequests(retryAfterMs: number, message = 'Too many requests'): TRPCError {
  return new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message,
    cause: new RateLimitedError(retryAfterMs),
  });
}

/** The one answer for "does not exist" and "you may not know it exists". */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}
