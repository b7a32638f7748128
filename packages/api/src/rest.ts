import type { OpenApiMeta } from 'trpc-to-openapi';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Extra = { description?: string; errors?: Record<number, string> };

const PUBLIC_ERRORS = { 400: 'Invalid input', 429: 'Rate limited (see `retryAfterMs`)' };
const AUTHED_ERRORS = {
  400: 'Invalid input',
  401: 'Missing, invalid or expired access token',
  404: 'Not found, or not visible to you',
  429: 'Rate limited (see `retryAfterMs`)',
};

/**
 * The REST face of a procedure (served at /api/v1 by the bridge and described in
 * /openapi.json). The tag is the path's first segment; everything outside /auth needs a token.
 */
export function rest(method: Method, path: `/${string}`, summary: string, extra: Extra = {}) {
  const isPublic = path.startsWith('/auth/');
  return {
    openapi: {
      method,
      path,
      summary,
      description: extra.description,
      tags: [path.split('/')[1]!],
      protect: !isPublic,
      errorResponses: { ...(isPublic ? PUBLIC_ERRORS : AUTHED_ERRORS), ...extra.errors },
    },
  } satisfies OpenApiMeta;
}
