import { appRouter } from '@parley/api';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { filePaths } from './file-paths.ts';
import { type PolishOptions, polishDocument } from './polish.ts';
import { ssePaths } from './sse-path.ts';
import { API_VERSION } from './version.ts';

export { API_VERSION } from './version.ts';

/**
 * The REST contract: every query and mutation from the routers (via trpc-to-openapi), plus the
 * byte routes and the SSE stream described by hand, polished for linters (polish.ts).
 * Deterministic: without `publicUrl` (relative server URL) it is the checked-in snapshot
 * (docs/openapi.json); with PUBLIC_URL set, the served document names absolute servers.
 */
export function buildOpenApiDocument(options: PolishOptions = {}) {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Parley REST API',
    description:
      'Chat backend REST bridge. Every endpoint except /auth/* needs `Authorization: Bearer <accessToken>`. Errors: an HTTP status plus `{ code, message, issues? }`. Live events: SSE or WebSocket, see /asyncapi.json and docs/flutter.md.',
    version: API_VERSION,
    baseUrl: '/api/v1',
    securitySchemes: {
      Authorization: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
    paths: { ...filePaths, ...ssePaths },
  });
  // trpc-to-openapi describes its error bodies as `{ message, code, issues?: [{ message }] }`
  // with nothing else allowed; the bridge's real bodies carry zod's issue fields and the tRPC
  // error `data` too. Describe what the server sends.
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, schema] of Object.entries(schemas)) {
    if (!name.startsWith('error.')) continue;
    const code = name.slice('error.'.length);
    schemas[name] = { ...restErrorSchema(code), title: schema.title, example: schema.example };
  }
  // A query string cannot carry JSON null: an optional parameter the router takes as
  // `.nullish()` is null when left out, and `?before=null` is the text "null" (refused where
  // a number is expected). Declare such parameters as what they are on the wire: optional,
  // never null. (tRPC clients may still send null in their JSON input.)
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {})) {
      const parameters = (operation as { parameters?: unknown[] } | undefined)?.parameters ?? [];
      for (const parameter of parameters as { in?: string; schema?: Record<string, unknown> }[]) {
        if (parameter.in !== 'query' && parameter.in !== 'path') continue;
        const anyOf = parameter.schema?.anyOf as Record<string, unknown>[] | undefined;
        if (!anyOf) continue;
        const kept = anyOf.filter((branch) => branch.type !== 'null');
        if (kept.length === anyOf.length) continue;
        const { anyOf: _, ...rest } = parameter.schema!;
        parameter.schema = kept.length === 1 ? { ...rest, ...kept[0] } : { ...rest, anyOf: kept };
      }
    }
  }
  polishDocument(document as never, options);
  return document;
}

const issueSchema = {
  type: 'object',
  description: 'A zod issue: what is wrong where (more fields depending on `code`).',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    path: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
  },
  required: ['code', 'message', 'path'],
  additionalProperties: true,
};

/** The body of a REST error answer from the bridge, for one tRPC error code. */
function restErrorSchema(code: string) {
  return {
    type: 'object',
    description: 'The error information',
    properties: {
      code: { type: 'string', enum: [code] },
      message: { type: 'string' },
      issues: { type: 'array', items: issueSchema, description: 'Invalid input only' },
      data: {
        type: 'object',
        properties: {
          code: { type: 'string', enum: [code] },
          httpStatus: { type: 'integer' },
          path: { type: 'string', description: 'The procedure' },
          issues: { type: 'array', items: issueSchema },
          retryAfterMs: {
            type: 'integer',
            description: 'TOO_MANY_REQUESTS: when to try again (also `Retry-After`, seconds)',
          },
          requestId: {
            type: 'string',
            description: 'INTERNAL_SERVER_ERROR: the id the server logged the failure under',
          },
          reason: {
            type: 'string',
            enum: ['RESYNC_REQUIRED', 'ACCOUNT_BANNED'],
            description:
              'A finer reason the client must act on: ACCOUNT_BANNED (FORBIDDEN) = the account is banned, do not retry, sign out; RESYNC_REQUIRED (PRECONDITION_FAILED, live stream) = reload state, subscribe from events.head',
          },
        },
        required: ['code', 'httpStatus'],
        additionalProperties: false,
      },
    },
    required: ['code', 'message'],
    additionalProperties: false,
  };
}
