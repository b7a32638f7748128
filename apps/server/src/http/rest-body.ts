import type { MiddlewareHandler } from 'hono';

interface Operation {
  requestBody?: { content?: Record<string, unknown> };
}
interface Document {
  paths: Record<string, Record<string, unknown>>;
}

// The methods whose input the REST bridge reads from a JSON body (GET and DELETE read the
// query string).
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface Route {
  pattern: RegExp;
  method: string;
}

/** The operations that take a JSON body or none at all (not multipart, not tus bytes). */
function jsonRoutesOf(document: Document): Route[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method, operation]) => {
        const content = (operation as Operation).requestBody?.content;
        return (
          BODY_METHODS.has(method.toUpperCase()) && (!content || 'application/json' in content)
        );
      })
      .map(([method]) => {
        const source = template
          .split('/')
          .map((part) =>
            /^\{.+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('/');
        return { pattern: new RegExp(`^${source}/?$`), method: method.toUpperCase() };
      }),
  );
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * In front of the REST bridge, for every operation that takes a JSON body (from the served
 * OpenAPI document): the body must be a JSON object. The bridge spreads the body into the
 * procedure's input, so `[]`, `5`, `"x"` or `null` would silently be `{}` (accepted wherever
 * every field is optional); they are answered here with 400 BAD_REQUEST in the documented
 * error body. The values' types are the procedure's zod schema's to judge: the bridge no
 * longer coerces body values (patches/trpc-to-openapi@3.3.0.patch coerces query texts only).
 * A body that is not JSON at all is left to the bridge.
 */
export function jsonObjectBodies(document: Document, base = '/api/v1'): MiddlewareHandler {
  const routes = jsonRoutesOf(document);
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    const contentType = c.req.header('content-type')?.toLowerCase() ?? '';
    if (!contentType.startsWith('application/json')) return next();
    const path = new URL(c.req.url).pathname.slice(base.length) || '/';
    if (!routes.some((r) => r.method === c.req.method && r.pattern.test(path))) return next();
    const req = c.req.raw;
    const text = await req.text();
    c.req.raw = new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: text,
      signal: req.signal,
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return next();
    }
    const kind = kindOf(body);
    if (kind === 'object') return next();
    const issue = {
      code: 'invalid_type',
      expected: 'object',
      path: [],
      message: `Invalid input: expected object, received ${kind}`,
    };
    return c.json(
      {
        code: 'BAD_REQUEST',
        message: `Invalid input: body: ${issue.message}`,
        issues: [issue],
        data: { code: 'BAD_REQUEST', httpStatus: 400, issues: [issue] },
      },
      400,
    );
  };
}
