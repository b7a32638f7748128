import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

/** Bytes of the ESM build bundled for a browser app, minified, and then gzipped (level 9). */
export async function measureBundle(options: { withTrpc: boolean }) {
  if (!existsSync(entry)) throw new Error('dist/index.js is missing: run `pnpm build` first');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: options.withTrpc ? [] : ['@trpc/*'],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
