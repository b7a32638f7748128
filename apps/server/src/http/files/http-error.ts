import { DomainError, type DomainErrorCode } from '@parley/api';
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

/** The HTTP status of each domain refusal (the same as tRPC's for the REST bridge). */
const statusOf = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
} as const satisfies Record<DomainErrorCode, number>;

/** The REST error answer for anything a file route throws (DomainErrors from the services too). */
export function errorResponse(c: Context, error: unknown, log: (error: unknown) => void) {
  if (error instanceof HttpError) {
    return c.json({ code: error.code, message: error.message }, error.status);
  }
  if (error instanceof DomainError && error.code !== 'INTERNAL_SERVER_ERROR') {
    return c.json({ code: error.code, message: error.message }, statusOf[error.code]);
  }
  log(error);
  return c.json({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' }, 500);
}
