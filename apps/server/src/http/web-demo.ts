import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

// Paths owned by the API; everything else that is a GET falls back to the demo's index.html.
const API_PREFIXES = [
  '/trpc',
  '/api',
  '/health',
  '/metrics',
  '/openapi.json',
  '/asyncapi.json',
  '/docs',
];

/** The built web demo at `/`, with a single-page-app fallback. */
export function webDemoRoutes(distDir: string): Hono {
  const app = new Hono();
  if (!existsSync(join(distDir, 'index.html'))) {
    app.get('/', (c) =>
      c.text(
        'Parley is running. The web demo is not built: run `pnpm build` at the repository root.',
      ),
    );
    return app;
  }
  app.use('/*', serveStatic({ root: distDir }));
  app.get('*', (c, next) => {
    if (API_PREFIXES.some((p) => c.req.path === p || c.req.path.startsWith(`${p}/`))) return next();
    return serveStatic({ root: distDir, path: 'index.html' })(c, next);
  });
  return app;
}
