import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Context } from 'hono';

/** A refusal with an HTTP status and the REST error body `{ code, message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 416 | 422 | 500 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const tooLarge = (maxBytes: number) =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', `File is larger than the limit of ${maxBytes} bytes`);

/** The REST error answer for anything a file route throws (TRPCErrors from the services too). */
export function errorResponse(c: Context, error: unknown, log: (error: unknown) => void) {
  if (error instanceof HttpError) {
    return c.json({ code: error.code, message: error.message }, error.status);
  }
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
    const status = getHTTPStatusCodeFromError(error) as 400;
    return c.json({ code: error.code, message: error.message }, status);
  }
  log(error);
  return c.json({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' }, 500);
}
