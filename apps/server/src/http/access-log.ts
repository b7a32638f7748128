import { randomUUID } from 'node:crypto';
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { appRouter, currentTracer } from '@parley/api';
import type { MiddlewareHandler } from 'hono';
import type { AppLogger } from '../logger.ts';

/** An incoming `X-Request-Id` is kept when it looks like an id (a proxy's), else replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const REQUEST_ID_HEADER = 'X-Request-Id';

export type AccessVariables = {
  requestId: string;
  /** Set once the request's token is verified (tRPC, REST bridge, file routes). */
  userId?: string;
};

export interface HttpObserver {
  requestCompleted(route: string, method: string, status: number, durationMs: number): void;
}

export function requestIdOf(header: string | undefined): string {
  return header && REQUEST_ID.test(header) ? header : randomUUID();
}

/** W3C trace context (`traceparent`, `tracestate`) from a fetch request's headers. */
const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};
const SERVER_SPAN = { kind: SpanKind.SERVER };
/** Probes and scrapes (every few seconds, from every prober) are not traced. */
const untraced = (path: string) => path === '/metrics' || path.startsWith('/health/');
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const procedures = new Set(Object.keys(appRouter._def.procedures));

/** A label of bounded cardinality for a path: its route template, never ids or query strings. */
export function routeTemplate(
  path: string,
  restRoute: (path: string) => string | null,
  matched: string,
): string {
  if (path.startsWith('/api/v1/') || path === '/api/v1') {
    const template = restRoute(path.slice('/api/v1'.length));
    return template ? `/api/v1${template}` : '/api/v1/*';
  }
  if (path.startsWith('/trpc/')) {
    // `/trpc/a,b` is a batch: each name must be a procedure, else it is a bounded `*`.
    const names = path.slice('/trpc/'.length).split(',');
    return names.every((n) => procedures.has(n)) ? path : '/trpc/*';
  }
  if (path === '/' || path === '/index.html') return '/';
  if (path.startsWith('/assets/')) return '/assets/*';
  if (path.startsWith('/docs/')) return '/docs/*';
  // Hono's matched pattern; the catch-all of the demo and 404s count as one label.
  return matched === '*' || matched === '/*' || matched.endsWith('/*') ? 'unmatched' : matched;
}

/**
 * One JSON log line per HTTP request (`msg: "request"`): method, route template, status,
 * duration, user id when known, request id, client address. The path's query string is never
 * logged (download and SSE URLs may carry tokens); neither are headers. The request id is
 * answered in `X-Request-Id`.
 *
 * With tracing on (docs/operations.md "Tracing"), also the request's server span: named
 * `METHOD /route/{template}`, continuing the caller's trace when a `traceparent` header comes
 * in, the parent of the tRPC procedure and database spans the request makes. With it off the
 * span is the API's no-op.
 */
export function accessLog(
  logger: AppLogger,
  observer: HttpObserver,
  restRoute: (path: string) => string | null,
): MiddlewareHandler<{ Variables: AccessVariables }> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestIdOf(c.req.header(REQUEST_ID_HEADER));
    c.set('requestId', requestId);
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const span = untraced(c.req.path)
      ? NO_SPAN
      : currentTracer().startSpan(c.req.method, SERVER_SPAN, parent);
    const traced = span.isRecording();
    let status = 500;
    try {
      if (traced) await context.with(trace.setSpan(parent, span), next);
      else await next();
      status = c.res.status;
    } finally {
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const route = routeTemplate(c.req.path, restRoute, c.req.routePath);
      observer.requestCompleted(route, c.req.method, status, durationMs);
      const userId = c.get('userId');
      if (traced) {
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({
          'http.request.method': c.req.method,
          'http.route': route,
          'http.response.status_code': status,
          'parley.request_id': requestId,
        });
        if (userId) span.setAttribute('enduser.id', userId);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      logger.info(
        {
          kind: 'http',
          requestId,
          method: c.req.method,
          route,
          status,
          durationMs,
          userId,
        },
        'request',
      );
    }
  };
}
