import type { MiddlewareHandler } from 'hono';

type Document = { paths: Record<string, Record<string, unknown>> };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

interface Route {
  template: string;
  pattern: RegExp;
  methods: Set<string>;
}

/** The REST paths of the OpenAPI document as regular expressions, with their methods. */
function routesOf(document: Document): Route[] {
  // A path with servers of its own (the SSE stream at /trpc) is not under the REST base.
  const rest = Object.entries(document.paths).filter(([, item]) => !('servers' in item));
  return rest.map(([template, item]) => {
    const source = template
      .split('/')
      .map((part) =>
        /^\{.+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    const methods = new Set(
      Object.keys(item)
        .filter((m) => HTTP_METHODS.includes(m))
        .map((m) => m.toUpperCase()),
    );
    if (methods.has('GET')) methods.add('HEAD');
    return { template, pattern: new RegExp(`^${source}/?$`), methods };
  });
}

/**
 * The document's path template a REST path (below the base) matches, literal segments first
 * (`/users/me` over `/users/{id}`); null when none does. For logs and metrics labels.
 */
export function restRouteMatcher(document: Document): (path: string) => string | null {
  const params = (t: string) => (t.match(/\{/g) ?? []).length;
  const routes = routesOf(document).sort((a, b) => params(a.template) - params(b.template));
  return (path) => routes.find((r) => r.pattern.test(path))?.template ?? null;
}

/**
 * In front of everything under /api/v1, from the served OpenAPI document:
 * a method the path does not support answers 405 with `Allow` (not 404). (Path parameters are
 * percent-decoded where they are read: by Hono for the byte routes, by the REST bridge, patched
 * in patches/trpc-to-openapi*.patch, for the others, so their documented bounds apply to the
 * decoded value.)
 */
export function restPathGuard(document: Document, base = '/api/v1'): MiddlewareHandler {
  const routes = routesOf(document);
  return async (c, next) => {
    const path = new URL(c.req.url).pathname.slice(base.length) || '/';
    const matching = routes.filter((r) => r.pattern.test(path));
    if (matching.length === 0 || c.req.method === 'OPTIONS') return next();
    const allowed = new Set(matching.flatMap((r) => [...r.methods]));
    if (!allowed.has(c.req.method)) {
      const allow = [...allowed].sort().join(', ');
      return c.json(
        {
          code: 'METHOD_NOT_ALLOWED',
          message: `${c.req.method} is not supported here; use ${allow}`,
        },
        405,
        { Allow: allow },
      );
    }
    return next();
  };
}
