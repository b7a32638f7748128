import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

/** Swagger UI's files for /docs, copied next to the bundle and precompressed there. */
const SWAGGER_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'];
const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/**
 * The production build: `node apps/server/dist/main.js`, no TypeScript at run time. The
 * workspace packages (@parley/api, @parley/db) and small pure-JS libraries are bundled in;
 * the server's own dependencies (package.json) stay external, and so do the native and heavy
 * ones the workspace packages use, which are therefore listed in the server's dependencies
 * too (resolved from apps/server/node_modules at run time).
 */
export default defineConfig({
  entry: { main: 'src/main.ts', cli: 'src/cli/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  splitting: true,
  sourcemap: true,
  treeshake: false,
  noExternal: [/^@parley\//, 'kysely', 'jose'],
  external: ['better-sqlite3', 'pg', '@node-rs/argon2'],
  // A CommonJS dependency bundled into ESM may still call require() for Node built-ins.
  async onSuccess() {
    mkdirSync('dist/swagger-ui', { recursive: true });
    for (const file of SWAGGER_FILES) {
      copyFileSync(join(swaggerDir, file), join('dist/swagger-ui', file));
    }
    execFileSync(process.execPath, ['../../scripts/precompress.mjs', 'dist/swagger-ui'], {
      stdio: 'inherit',
    });
  },
  banner: {
    js: "import { createRequire as __parleyCreateRequire } from 'node:module'; const require = __parleyCreateRequire(import.meta.url);",
  },
});
