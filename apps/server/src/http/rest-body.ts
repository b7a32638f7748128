import type { MiddlewareHandler } from 'hono';

interface Schema {
  $ref?: string;
  type?: string | string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
}
interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

/** A zod-like issue, as the documented `error.BAD_REQUEST` body carries them. */
export interface TypeIssue {
  code: 'invalid_type';
  expected: string;
  path: (string | number)[];
  message: string;
}

// The methods whose input the REST bridge reads from a JSON body (GET and DELETE read the
// query string, where coercing texts to numbers and booleans is right: they are texts).
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface Route {
  pattern: RegExp;
  /** Path parameters in the template: the fewer, the more specific the route. */
  parameters: number;
  method: string;
  /** The documented JSON body; undefined when the operation declares none. */
  schema: Schema | undefined;
  /** The operation takes a JSON body, or none at all (not multipart, not tus bytes). */
  json: boolean;
}

function routesOf(document: Document): Route[] {
  return Object.entries(document.paths)
    .flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method]) => BODY_METHODS.has(method.toUpperCase()))
        .map(([method, operation]) => {
          const content = (operation as Operation).requestBody?.content;
          const source = template
            .split('/')
            .map((part) =>
              /^\{.+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
            )
            .join('/');
          return {
            pattern: new RegExp(`^${source}/?$`),
            parameters: (template.match(/\{/g) ?? []).length,
            method: method.toUpperCase(),
            schema: content?.['application/json']?.schema,
            json: !content || 'application/json' in content,
          };
        }),
    )
    .sort((a, b) => a.parameters - b.parameters);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return kindOf(value) === 'object';
}

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** Whether a JSON value has one of the JSON Schema types (`integer` is judged by zod). */
function hasType(types: string[], value: unknown): boolean {
  if (types.length === 0) return true;
  const kind = kindOf(value);
  return types.some((t) => t === kind || (t === 'integer' && kind === 'number'));
}

/**
 * Where a JSON value's types differ from what the document declares: only JSON types
 * (string, number, boolean, null, array, object), everything else (bounds, patterns, required
 * keys, unknown keys) is left to the procedure's zod schema.
 */
export function typeIssues(
  document: Document,
  input: Schema,
  value: unknown,
  path: (string | number)[] = [],
): TypeIssue[] {
  const schema = resolve(document, input);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const resolved = branches.map((b) => resolve(document, b));
    if (resolved.some((b) => typeIssues(document, b, value, path).length === 0)) return [];
    // One branch of the value's own kind: what is wrong is inside it.
    const sameKind = resolved.filter((b) => hasType(typesOf(b), value));
    if (sameKind.length === 1) return typeIssues(document, sameKind[0]!, value, path);
    return [issue(path, resolved.flatMap(typesOf), value)];
  }
  for (const part of schema.allOf ?? []) {
    const found = typeIssues(document, part, value, path);
    if (found.length > 0) return found;
  }
  const types = typesOf(schema);
  if (!hasType(types, value)) return [issue(path, types, value)];
  const issues: TypeIssue[] = [];
  if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const property =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (property) issues.push(...typeIssues(document, property, item, [...path, key]));
    }
  }
  if (Array.isArray(value) && schema.items) {
    for (const [index, item] of value.entries()) {
      issues.push(...typeIssues(document, schema.items, item, [...path, index]));
    }
  }
  return issues;
}

function resolve(document: Document, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return resolve(document, (document.components?.schemas?.[name] ?? {}) as Schema);
}

function issue(path: (string | number)[], types: string[], value: unknown): TypeIssue {
  const expected = [...new Set(types)].join(' | ') || 'a value';
  return {
    code: 'invalid_type',
    expected,
    path,
    message: `Invalid input: expected ${expected}, received ${kindOf(value)}`,
  };
}

/**
 * In front of the REST bridge, for every operation that takes a JSON body (from the served
 * OpenAPI document): the body must be a JSON object whose values have the documented JSON
 * types. trpc-to-openapi coerces body values like query texts (`{"upToSeq":true}` would be
 * seq 1, `{"upToSeq":"5"}` seq 5) and spreads a non-object body into nothing (`[]`, `5`,
 * `null` would be `{}`); both are answered here with 400 BAD_REQUEST naming the field, in
 * the documented error body. A body that is not JSON at all is left to the bridge.
 */
export function strictJsonBodies(document: Document, base = '/api/v1'): MiddlewareHandler {
  const routes = routesOf(document);
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    const contentType = c.req.header('content-type')?.toLowerCase() ?? '';
    if (!contentType.startsWith('application/json')) return next();
    const path = new URL(c.req.url).pathname.slice(base.length) || '/';
    const route = routes.find((r) => r.method === c.req.method && r.pattern.test(path));
    if (!route?.json) return next();
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
    const issues = isObject(body)
      ? typeIssues(document, route.schema ?? {}, body)
      : [issue([], ['object'], body)];
    if (issues.length === 0) return next();
    const message = `Invalid input: ${issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`;
    return c.json(
      { code: 'BAD_REQUEST', message, issues, data: { code: 'BAD_REQUEST', httpStatus: 400 } },
      400,
    );
  };
}
