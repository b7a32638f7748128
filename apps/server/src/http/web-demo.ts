import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { IMMUTABLE, REVALIDATE, sendStatic, staticFiles } from './static-files.ts';

/** Vite's output folder for content-hashed files: their names change whenever they do. */
const HASHED_DIR = '/assets/';

/**
 * The built web demo at `/`: `index.html` (revalidated on every load, with an ETag), the hashed
 * assets it references (cached for a year, immutable) and the other files of its `dist/`, each
 * brotli or gzip compressed when the client accepts it. The demo is one page with no client-side
 * routes, so `/` is the only path that falls back to `index.html`: every other unknown path is
 * a JSON 404 (see createHttpApp), never the demo's page.
 */
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
  const files = staticFiles(distDir);
  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const path = c.req.path === '/' ? '/index.html' : c.req.path;
    const file = await files(decodeURIComponent(path));
    if (!file) return next();
    const cache = path.startsWith(HASHED_DIR) ? IMMUTABLE : REVALIDATE;
    return sendStatic(c, file, cache);
  });
  return app;
}
