import type { OpenApiMeta } from 'trpc-to-openapi';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Extra = { description?: string; errors?: Record<number, string> };

// Error responses become shared components keyed by status, so their text must be generic;
// what a status means for one operation goes into that operation's description.
const GENERIC_ERRORS: Record<number, string> = {
  400: 'Invalid input (see `issues`)',
  401: 'Missing, invalid or expired credentials',
  403: 'Not allowed for your role or not your resource',
  404: 'Not found, or not visible to you',
  409: 'Conflicts with existing data',
  412: 'Not possible in the current state',
  413: 'Too large',
  429: 'Rate limited (see `data.retryAfterMs`)',
};

/**
 * The REST face of a procedure (served at /api/v1 by the bridge and described in
 * /openapi.json). The tag is the path's first segment; everything outside /auth needs a token.
 */
export function rest(method: Method, path: `/${string}`, summary: string, extra: Extra = {}) {
  const isPublic = path.startsWith('/auth/');
  const statuses = [
    400,
    ...(isPublic ? [] : [401, 404]),
    429,
    ...Object.keys(extra.errors ?? {}).map(Number),
  ];
  const specifics = Object.entries(extra.errors ?? {}).map(
    ([status, text]) => `${status}: ${text}.`,
  );
  const description = [extra.description, specifics.length ? `Errors: ${specifics.join(' ')}` : '']
    .filter(Boolean)
    .join('\n\n');
  return {
    openapi: {
      method,
      path,
      summary,
      description: description || undefined,
      tags: [path.split('/')[1]!],
      protect: !isPublic,
      errorResponses: Object.fromEntries(
        [...new Set(statuses)].sort().map((s) => [s, GENERIC_ERRORS[s] ?? 'Error']),
      ),
    },
  } satisfies OpenApiMeta;
}
