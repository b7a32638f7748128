/**
 * What a service can refuse with, independent of the transport. The tRPC layer (trpc.ts) and
 * the server's file routes each map these once: to tRPC errors and to HTTP statuses.
 */
export type DomainErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  /** A dependency failed in a way the client should hear about (e.g. the mail server). */
  | 'INTERNAL_SERVER_ERROR';

export type DomainErrorReason = 'RESYNC_REQUIRED' | 'ACCOUNT_BANNED';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  /** TOO_MANY_REQUESTS only: when the client may try again. */
  readonly retryAfterMs: number | undefined;
  /**
   * A machine-readable reason within the code, for answers a client must act on in a
   * specific way: `RESYNC_REQUIRED` (PRECONDITION_FAILED): the event log no longer holds the
   * events after the resume id; reload state and subscribe from `events.head`.
   * `ACCOUNT_BANNED` (FORBIDDEN): the account is banned; retrying cannot help, so a client
   * stops reconnecting and signs out.
   */
  readonly reason: DomainErrorReason | undefined;

  constructor(init: {
    code: DomainErrorCode;
    message: string;
    retryAfterMs?: number;
    reason?: DomainErrorReason;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.name = 'DomainError';
    this.code = init.code;
    this.retryAfterMs = init.retryAfterMs;
    this.reason = init.reason;
  }
}

export function tooManyRequests(retryAfterMs: number, message = 'Too many requests'): DomainError {
  return new DomainError({ code: 'TOO_MANY_REQUESTS', message, retryAfterMs });
}

/** The one answer for "does not exist" and "you may not know it exists". */
export function notFound(what: string): DomainError {
  return new DomainError({ code: 'NOT_FOUND', message: `${what} not found` });
}

const references = new WeakMap<object, string>();

/**
 * A short id for one failure, the same however often it is asked for: the server logs it and
 * the client's generic INTERNAL_SERVER_ERROR answer carries it, so the two can be matched.
 */
export function errorReference(error: object): string {
  let reference = references.get(error);
  if (!reference) {
    reference = crypto.randomUUID();
    references.set(error, reference);
  }
  return reference;
}
