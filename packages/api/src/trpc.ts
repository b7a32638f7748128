import { context, SpanKind, type SpanOptions, SpanStatusCode, trace } from '@opentelemetry/api';
import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { bannedError } from './admin/ban-list.ts';
import type { Context } from './context.ts';
import { DomainError, errorReference } from './errors.ts';
import { currentTracer } from './shared/tracing.ts';

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      const invalid = cause instanceof ZodError;
      // An unexpected failure says nothing about itself (a database's error text, a stack):
      // only a generic message and the request id the server logged it under. A DomainError
      // with this code is a deliberate answer (e.g. "The code could not be sent") and keeps it.
      const internal =
        shape.data.code === 'INTERNAL_SERVER_ERROR' &&
        !(cause instanceof DomainError && cause.code === 'INTERNAL_SERVER_ERROR');
      const requestId = internal ? errorReference(error) : undefined;
      return {
        ...shape,
        // "email: Invalid email address; password: Too small..." instead of a JSON dump.
        message: invalid
          ? `Invalid input: ${cause.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`
          : internal
            ? `Internal server error (request ${requestId})`
            : shape.message,
        data: {
          ...shape.data,
          // Never leak stack traces to clients, even in development.
          stack: undefined,
          issues: invalid ? cause.issues : undefined,
          retryAfterMs: cause instanceof DomainError ? cause.retryAfterMs : undefined,
          // E.g. RESYNC_REQUIRED: what exactly the client has to do about this code.
          reason: cause instanceof DomainError ? cause.reason : undefined,
          requestId,
        },
      };
    },
  });

export const createTRPCRouter = t.router;

/** The one mapping of domain refusals to tRPC errors (the codes are a subset of tRPC's). */
export function toTRPCError(error: unknown): unknown {
  if (!(error instanceof DomainError)) return error;
  return new TRPCError({ code: error.code, message: error.message, cause: error });
}

/** tRPC codes that are the server's fault (the others are answers: the span stays OK). */
const SERVER_FAULTS = new Set([
  'INTERNAL_SERVER_ERROR',
  'NOT_IMPLEMENTED',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
]);
/** A call inside an HTTP request's span is part of it; a WebSocket call starts its trace. */
const NESTED: SpanOptions = { kind: SpanKind.INTERNAL };
const ENTRY: SpanOptions = { kind: SpanKind.SERVER };

/** What a call came to, as the observer sees it (a middleware's `next()` result). */
type Observed = { ok: true } | { ok: false; error: TRPCError };

/**
 * Times every query and mutation (subscriptions run for a connection's lifetime: skipped), and
 * turns the `DomainError`s services throw into the tRPC error of the same code and message.
 * With tracing on, each call is a span named by its path (the database queries it makes are its
 * children); with it off the span is the API's no-op and the call runs as before. The
 * `observe` middleware below runs every procedure through it; the WebSocket's direct lane for
 * `messages.send` (messages/direct.ts) runs its calls through it too.
 */
export async function observeCall<R extends Observed>(
  ctx: Context,
  path: string,
  type: string,
  run: () => Promise<R>,
): Promise<R> {
  const started = performance.now();
  const span = currentTracer().startSpan(path, trace.getActiveSpan() ? NESTED : ENTRY);
  const traced = span.isRecording();
  if (traced) {
    span.setAttributes({ 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type });
    if (ctx.auth.status === 'authenticated') span.setAttribute('enduser.id', ctx.auth.userId);
  }
  const result = traced
    ? await context.with(trace.setSpan(context.active(), span), run)
    : await run();
  if (type !== 'subscription') {
    ctx.deps.metrics.procedureCompleted(path, type, performance.now() - started, result.ok);
  }
  if (traced) {
    if (!result.ok) {
      const cause = result.error.cause;
      const code = cause instanceof DomainError ? cause.code : result.error.code;
      span.setAttribute('trpc.error_code', code);
      // The code only: an error's message may quote what the client sent.
      if (SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
    span.end();
  }
  if (!result.ok && result.error.cause instanceof DomainError)
    throw toTRPCError(result.error.cause);
  return result;
}

/** One middleware, not two: each one costs a context copy on every call. */
const base = t.procedure.use(function observe({ ctx, path, type, next }) {
  return observeCall(ctx, path, type, next);
});

export const publicProcedure = base;

/**
 * The authenticated caller of `ctx` (user id and token expiry), or UNAUTHORIZED with the
 * reason, or the ban's refusal. Every authed procedure runs it (the `requireUser` middleware);
 * so does the WebSocket's direct lane for `messages.send`.
 */
export function authorize(ctx: Context): { userId: string; tokenExpiresAt: number } {
  // A WebSocket context lives as long as its connection: check expiry on every call.
  const expired = ctx.auth.status === 'authenticated' && ctx.auth.expiresAt <= ctx.deps.clock.now();
  if (expired) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Access token expired' });
  if (ctx.auth.status !== 'authenticated') {
    const message =
      ctx.auth.status === 'rejected' && ctx.auth.reason === 'expired'
        ? 'Access token expired'
        : 'Authentication required';
    throw new TRPCError({ code: 'UNAUTHORIZED', message });
  }
  // A ban (or a revoked API key: its bot is banned) takes effect on the very next call.
  if (ctx.live.bans.isBanned(ctx.auth.userId, ctx.deps.clock.now())) {
    throw toTRPCError(bannedError(null));
  }
  return { userId: ctx.auth.userId, tokenExpiresAt: ctx.auth.expiresAt };
}

/** Narrows `ctx` to an authenticated user or answers UNAUTHORIZED with the reason. */
export const authedProcedure = base.use(function requireUser({ ctx, next }) {
  const { userId, tokenExpiresAt } = authorize(ctx);
  return next({ ctx: { ...ctx, userId, tokenExpiresAt } });
});
