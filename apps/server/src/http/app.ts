import type { HttpBindings } from '@hono/node-server';
import {
  type ApiDeps,
  appRouter,
  createContext,
  DomainError,
  errorReference,
  type LiveServices,
} from '@parley/api';
import type { TRPCError } from '@trpc/server';
import { type FetchCreateContextFnOptions, fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { Registry } from 'prom-client';
import type { DevOutbox } from '../adapters/dev-mailer.ts';
import type { Config } from '../config.ts';
import type { AppLogger } from '../logger.ts';
import { type AccessVariables, accessLog, type HttpObserver } from './access-log.ts';
import { clientIp } from './client-ip.ts';
import { devOutboxRoutes } from './dev-outbox.ts';
import { type FilesRoutesDeps, filesRoutes } from './files/routes.ts';
import { type HealthDeps, healthRoutes, notFoundJson } from './health.ts';
import { emptyBodyAsJson } from './openapi/empty-body.ts';
import { lazyOpenApi } from './openapi/lazy.ts';
import { openApiRoutes, SWAGGER_UI_STYLE_HASH } from './openapi/routes.ts';
import { webDemoRoutes } from './web-demo.ts';

// Request and response headers of the tus protocol (resumable uploads).
const TUS_HEADERS = [
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Offset',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Expires',
  'Parley-File-Id',
];

/**
 * The policy of every HTML page we serve (the web demo at `/`, Swagger UI at `/docs`): our own
 * scripts and styles only, no inline script, no framing, no plugins. Images may be `blob:` (the
 * demo shows downloaded thumbnails) or `data:` (Swagger UI's icons). Swagger UI injects one
 * fixed `<style>` element, allowed on /docs by its hash (SWAGGER_UI_STYLE_HASH) and nowhere else.
 */
export function contentSecurityPolicy(path: string): string {
  const docs = path === '/docs' || path.startsWith('/docs/');
  return [
    "default-src 'self'",
    "script-src 'self'",
    docs ? `style-src 'self' '${SWAGGER_UI_STYLE_HASH}'` : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `Retry-After` (whole seconds, at least 1) for an answer that holds a TOO_MANY_REQUESTS. */
export function retryAfterHeader(errors: readonly TRPCError[]): Record<string, string> {
  const waits = errors
    .filter((e) => e.code === 'TOO_MANY_REQUESTS')
    .map((e) => (e.cause instanceof DomainError ? (e.cause.retryAfterMs ?? 0) : 0));
  if (waits.length === 0) return {};
  return { 'Retry-After': String(Math.max(1, Math.ceil(Math.max(...waits) / 1000))) };
}

// The REST bridge (trpc-to-openapi) is imported with the first REST request.
let bridge: Promise<typeof import('trpc-to-openapi').createOpenApiFetchHandler> | undefined;
function restBridge() {
  bridge ??= import('trpc-to-openapi').then(
    (m) => m.createOpenApiFetchHandler,
    (error: unknown) => {
      bridge = undefined;
      throw error;
    },
  );
  return bridge;
}

export interface HttpAppDeps {
  api: ApiDeps;
  live: LiveServices;
  config: Config;
  logger: AppLogger;
  health: HealthDeps;
  metrics: Registry;
  /** REST request counts and durations by route template and status. */
  httpObserver: HttpObserver;
  files: Pick<FilesRoutesDeps, 'tus' | 'stagingDir'>;
  /** The development mailer's outbox; only outside production. */
  devOutbox?: DevOutbox | null;
}

export function createHttpApp({
  api,
  live,
  config,
  logger,
  health,
  metrics,
  httpObserver,
  files,
  devOutbox,
}: HttpAppDeps) {
  const app = new Hono<{ Bindings: HttpBindings; Variables: AccessVariables }>();
  // The OpenAPI document and the REST bridge are loaded with the first request that needs them.
  const openapi = lazyOpenApi({ publicUrl: config.PUBLIC_URL });
  app.use(accessLog(logger, httpObserver, openapi.route));
  // Every REST request (preflights included) finds the document built, for its route label.
  app.use('/api/v1/*', async (_c, next) => {
    await openapi.ready();
    return next();
  });
  // Unknown paths (including /healthz, /readyz, /livez): JSON, never the web demo's page.
  app.notFound((c) => notFoundJson(c));

  // Whatever escapes a route: logged with a request id, answered with nothing but that id.
  app.onError((error, c) => {
    const requestId = errorReference(error);
    logger.error(
      { err: error, requestId, httpRequestId: c.get('requestId'), path: c.req.path },
      'request failed',
    );
    return c.json(
      { code: 'INTERNAL_SERVER_ERROR', message: `Internal server error (request ${requestId})` },
      500,
    );
  });
  app.use(secureHeaders());
  app.use(async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.res.headers.set('Content-Security-Policy', contentSecurityPolicy(c.req.path));
    }
  });
  app.use(
    cors({
      // Only listed origins; same-origin requests (the bundled web demo) need no CORS at all.
      origin: (origin) => (config.CORS_ORIGINS.includes(origin) ? origin : null),
      allowHeaders: [
        'Authorization',
        'Content-Type',
        'Last-Event-ID',
        'trpc-accept',
        ...TUS_HEADERS,
      ],
      exposeHeaders: ['Location', 'ETag', 'Content-Range', 'Content-Disposition', ...TUS_HEADERS],
      maxAge: 600,
      credentials: false,
    }),
  );
  const jsonLimit = bodyLimit({
    maxSize: config.MAX_JSON_BODY_BYTES,
    onError: (c) => c.json({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large' }, 413),
  });
  app.use('/trpc/*', jsonLimit);
  // Uploads (/api/v1/files, /api/v1/uploads) have their own, larger limit (UPLOAD_MAX_BYTES).
  app.use('/api/v1/*', (c, next) =>
    c.req.path.startsWith('/api/v1/files') || c.req.path.startsWith('/api/v1/uploads')
      ? next()
      : jsonLimit(c, next),
  );

  app.route('/health', healthRoutes(health));
  app.get('/metrics', async (c) => {
    // Optional bearer token, for when /metrics is reachable from outside the cluster.
    if (
      config.METRICS_TOKEN &&
      c.req.header('authorization') !== `Bearer ${config.METRICS_TOKEN}`
    ) {
      return c.json({ code: 'UNAUTHORIZED', message: 'Metrics token required' }, 401);
    }
    return c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType });
  });
  if (devOutbox && config.NODE_ENV !== 'production') app.route('/dev', devOutboxRoutes(devOutbox));

  // One context and error log for tRPC and its REST bridge.
  const handlerOptions = (c: Context<{ Bindings: HttpBindings; Variables: AccessVariables }>) => ({
    req: c.req.raw,
    router: appRouter,
    createContext: async ({ info }: FetchCreateContextFnOptions) => {
      const ctx = await createContext(api, live, {
        // SSE (EventSource) cannot send headers, so tRPC passes connectionParams instead.
        token: c.req.header('authorization') ?? info.connectionParams?.token,
        ip: clientIp(c.env.incoming, config.TRUST_PROXY),
      });
      if (ctx.auth.status === 'authenticated') c.set('userId', ctx.auth.userId);
      return ctx;
    },
    onError: ({ error, path, type }: { error: TRPCError; path?: string; type: string }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        // The same id the client's answer carries (see the error formatter in @parley/api).
        const requestId = errorReference(error);
        logger.error({ err: error.cause ?? error, path, type, requestId }, 'procedure failed');
      }
    },
    responseMeta: ({ errors }: { errors: readonly TRPCError[] }) => ({
      headers: retryAfterHeader(errors),
    }),
  });
  app.all('/trpc/*', (c) =>
    fetchRequestHandler({
      endpoint: '/trpc',
      ...handlerOptions(c),
      // GET and POST batches alike: "Batch call exceeds maximum size" (400) above it.
      maxBatchSize: config.TRPC_MAX_BATCH_SIZE,
    }),
  );

  // 405 for a method a documented path lacks; a JSON body must be an object.
  // The former tus path (/files/tus, see files/tus.ts) is not in the document but still served.
  app.use('/api/v1/*', (c, next) =>
    c.req.path === '/api/v1/files/tus' || c.req.path.startsWith('/api/v1/files/tus/')
      ? next()
      : openapi.guard(c, next),
  );
  app.use('/api/v1/*', openapi.bodies);
  // Bytes first (multipart, tus, downloads), then every other /api/v1 path from the routers.
  app.route('/api/v1', filesRoutes({ api, live, config, logger, ...files }));
  app.all('/api/v1/*', async (c) =>
    (await restBridge())({
      endpoint: '/api/v1',
      ...handlerOptions(c),
      req: emptyBodyAsJson(c.req.raw),
    }),
  );
  app.route('/', openApiRoutes(config, openapi.document));
  app.route('/', webDemoRoutes(config.webDemoDir));
  return app;
}
