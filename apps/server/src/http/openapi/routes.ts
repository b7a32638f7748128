import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { Config } from '../../config.ts';
import { REVALIDATE, sendStatic, staticFiles } from '../static-files.ts';
import { buildAsyncApiDocument } from './asyncapi.ts';
import type { OpenApiDocument } from './lazy.ts';

// The production build copies Swagger UI's files next to the bundle, precompressed
// (apps/server/tsup.config.ts); from source they are read from the package.
const bundledSwagger = fileURLToPath(new URL('./swagger-ui', import.meta.url));
const swaggerDir = existsSync(join(bundledSwagger, 'swagger-ui-bundle.js'))
  ? bundledSwagger
  : dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const SWAGGER_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
]);

/**
 * The one inline `<style>` element swagger-ui-dist (pinned in the catalog) injects, by its
 * SHA-256: the /docs Content-Security-Policy allows exactly it. A Swagger UI upgrade that
 * changes it shows up as a CSP violation in apps/web-demo/test/csp.e2e.test.ts, which prints
 * the new hash.
 */
export const SWAGGER_UI_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Parley REST API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/swagger-ui-standalone-preset.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  persistAuthorization: true,
});`;

/** /openapi.json, /asyncapi.json, and an interactive reference at /docs served from disk. */
export function openApiRoutes(config: Config, openapi: () => Promise<OpenApiDocument>): Hono {
  const app = new Hono();
  // Both documents are built on their first request (large objects most servers never serve).
  let asyncapi: ReturnType<typeof buildAsyncApiDocument> | undefined;
  app.get('/openapi.json', async (c) => c.json(await openapi()));
  app.get('/asyncapi.json', (c) => {
    asyncapi ??= buildAsyncApiDocument(config);
    return c.json(asyncapi);
  });
  app.get('/docs', (c) => c.html(DOCS_HTML));
  app.get('/docs/init.js', (c) => c.body(DOCS_INIT, 200, { 'content-type': 'text/javascript' }));
  // Swagger UI's files are not content-hashed: revalidated by ETag (a 304 once cached), and
  // compressed (its bundle is 1.4 MB, 0.4 MB in brotli).
  const files = staticFiles(swaggerDir);
  app.get('/docs/:file', async (c) => {
    const name = c.req.param('file');
    const file = SWAGGER_FILES.has(name) ? await files(name) : null;
    if (!file) return c.notFound();
    return sendStatic(c, file, REVALIDATE);
  });
  return app;
}
