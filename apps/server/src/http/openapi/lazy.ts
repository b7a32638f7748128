import type { MiddlewareHandler } from 'hono';
import { jsonObjectBodies } from '../rest-body.ts';
import { restPathGuard, restRouteMatcher } from '../rest-routes.ts';
import type { PolishOptions } from './polish.ts';

export type OpenApiDocument = ReturnType<typeof import('./document.ts').buildOpenApiDocument>;

interface Loaded {
  document: OpenApiDocument;
  route: (path: string) => string | null;
  guard: MiddlewareHandler;
  bodies: MiddlewareHandler;
}

/**
 * The OpenAPI document and what the REST surface derives from it (the route labels of logs and
 * metrics, the 405 guard, the JSON-object body check), built on the first request that needs
 * them (/api/v1/..., /openapi.json) instead of at start: generating the document loads
 * trpc-to-openapi and zod-openapi and holds a large object, megabytes of heap a server whose
 * clients only speak tRPC never uses (docs/benchmarks.md, "Idle memory").
 */
export function lazyOpenApi(options: PolishOptions) {
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  const load = (): Promise<Loaded> => {
    loading ??= import('./document.ts').then(
      ({ buildOpenApiDocument }) => {
        const document = buildOpenApiDocument(options);
        loaded = {
          document,
          route: restRouteMatcher(document as never),
          guard: restPathGuard(document as never),
          bodies: jsonObjectBodies(document as never),
        };
        return loaded;
      },
      (error: unknown) => {
        loading = undefined; // the next request tries again
        throw error;
      },
    );
    return loading;
  };
  return {
    document: async () => (await load()).document,
    /** Resolves once the document is built (the first /api/v1 request waits for it). */
    ready: async () => {
      await load();
    },
    /** The route template of a REST path, once the document is built (`ready`); null before. */
    route: (path: string) => loaded?.route(path) ?? null,
    guard: (async (c, next) => (await load()).guard(c, next)) as MiddlewareHandler,
    bodies: (async (c, next) => (await load()).bodies(c, next)) as MiddlewareHandler,
  };
}
