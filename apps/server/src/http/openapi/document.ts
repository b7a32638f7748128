import { appRouter } from '@parley/api';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { filePaths } from './file-paths.ts';

export const API_VERSION = '1.0.0';

/**
 * The REST contract: every query and mutation from the routers (via trpc-to-openapi), plus the
 * byte routes described by hand. Deterministic (relative server URL), so a checked-in snapshot
 * (docs/openapi.json) can be compared with what the server serves.
 */
export function buildOpenApiDocument() {
  return generateOpenApiDocument(appRouter, {
    title: 'Parley REST API',
    description:
      'Chat backend REST bridge. Every endpoint except /auth/* needs `Authorization: Bearer <accessToken>`. Errors: an HTTP status plus `{ code, message, issues? }`. Live events: SSE or WebSocket, see /asyncapi.json and docs/flutter.md.',
    version: API_VERSION,
    baseUrl: '/api/v1',
    securitySchemes: {
      Authorization: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
    paths: filePaths,
  });
}
