import type { MiddlewareHandler } from 'hono';

type Document = { paths: Record<string, Record<string, unknown>> };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];
// What a path parameter may hold once decoded (ids); anything else stays encoded and is refused.
const SAFE_SEGMENT = /^[0-9A-Za-z_-]+$/;

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
 * - a method the path does not support answers 405 with `Allow` (not 404);
 * - percent-encoded path segments are decoded first, so a parameter's length and alphabet are
 *   checked on its value, not on its encoding.
 */
export function restPathGuard(document: Document, base = '/api/v1'): MiddlewareHandler {
  const routes = routesOf(document);
  return async (c, next) => {
    const url = new URL(c.req.url);
    const path = url.pathname.slice(base.length) || '/';
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
    if (!path.includes('%')) return next();
    const decoded = path
      .split('/')
      .map((segment) => {
        try {
          const value = decodeURIComponent(segment);
          return SAFE_SEGMENT.test(value) ? value : segment;
        } catch {
          return segment;
        }
      })
      .join('/');
    if (decoded === path) return next();
    url.pathname = `${base}${decoded}`;
    const req = c.req.raw;
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers: req.headers,
      signal: req.signal,
    };
    if (req.body) {
      init.body = req.body;
      init.duplex = 'half';
    }
    c.req.raw = new Request(url, init);
    return next();
  };
}
