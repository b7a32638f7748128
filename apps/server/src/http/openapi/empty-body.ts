const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * trpc-to-openapi answers 415 to a POST/PUT/PATCH without a JSON content type, even when the
 * procedure's whole input is in the path and the OpenAPI document (rightly) declares no body,
 * e.g. `POST /groups/{groupId}/leave`. A request with no body at all is read as `{}`; anything
 * else is left for the bridge to judge.
 */
export function emptyBodyAsJson(req: Request): Request {
  if (!BODY_METHODS.has(req.method) || req.headers.has('content-type')) return req;
  const length = req.headers.get('content-length');
  if (length !== '0' && (length !== null || req.headers.has('transfer-encoding'))) return req;
  const headers = new Headers(req.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  return new Request(req.url, { method: req.method, headers, body: '{}', signal: req.signal });
}
