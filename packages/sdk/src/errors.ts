/** Codes the server answers with (tRPC's), plus the client's own. */
export type ParleyErrorCode =
  | 'BAD_REQUEST'
  | 'PARSE_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_SUPPORTED'
  | 'TIMEOUT'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNPROCESSABLE_CONTENT'
  | 'TOO_MANY_REQUESTS'
  | 'CLIENT_CLOSED_REQUEST'
  | 'INTERNAL_SERVER_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'BAD_GATEWAY'
  | 'SERVICE_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT'
  /** No answer from the server: offline, connection cut, server down. */
  | 'NETWORK_ERROR'
  /** The client was closed, or the user signed out, while the call was waiting. */
  | 'CLIENT_CLOSED'
  | 'UNKNOWN';

const RETRYABLE: ReadonlySet<ParleyErrorCode> = new Set([
  'NETWORK_ERROR',
  'TIMEOUT',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
]);

export interface ParleyErrorOptions {
  cause?: unknown;
  retryAfterMs?: number;
  httpStatus?: number;
  issues?: unknown[];
  reason?: string;
}

/** Every error the SDK throws or reports. Switch on `code`. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  readonly code: ParleyErrorCode;
  /** With `TOO_MANY_REQUESTS`: how long to wait before trying again. */
  readonly retryAfterMs: number | undefined;
  readonly httpStatus: number | undefined;
  /** With `BAD_REQUEST` from input validation: which fields and why. */
  readonly issues: unknown[] | undefined;
  /**
   * The server's own, finer code where it has one: `RESYNC_REQUIRED` (with
   * `PRECONDITION_FAILED`) on the live stream, which the client handles itself (see `resync`);
   * `CONTENT_TYPE_MISMATCH` or `IMAGE_TOO_LARGE` from a file route.
   */
  readonly reason: string | undefined;

  constructor(code: ParleyErrorCode, message: string, options: ParleyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.httpStatus = options.httpStatus;
    this.issues = options.issues;
    this.reason = options.reason;
  }

  /** Whether the same call may succeed later (network trouble, rate limit, server error). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

interface ErrorData {
  code?: string;
  httpStatus?: number;
  retryAfterMs?: number;
  issues?: unknown[];
  reason?: string;
}

/** Wraps anything thrown by a call (tRPC client errors, fetch failures) as a ParleyError. */
export function toParleyError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  // tRPC wraps what our own link throws (a refused refresh) in a TRPCClientError.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof ParleyError) return cause;
  const message = error instanceof Error ? error.message : String(error);
  // TRPCClientError carries the server's error shape in `data`; without it nothing answered.
  const data = (error as { data?: ErrorData } | null)?.data;
  if (!data?.code) return new ParleyError('NETWORK_ERROR', message, { cause: error });
  return new ParleyError(data.code as ParleyErrorCode, message, {
    cause: error,
    httpStatus: data.httpStatus,
    retryAfterMs: data.retryAfterMs ?? undefined,
    issues: data.issues ?? undefined,
    reason: data.reason ?? undefined,
  });
}
