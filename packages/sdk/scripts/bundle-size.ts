import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/**
 * Bytes of a build bundled for a browser app, minified, and then gzipped (level 9): the ESM
 * build by default, or the CommonJS one (`cjs`, which carries its own tRPC parts).
 */
export async function measureBundle(options: { withTrpc: boolean; cjs?: boolean }) {
  const entry = join(dist, options.cjs ? 'index.cjs' : 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`pnpm build\` first`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: options.cjs ? 'cjs' : 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: options.withTrpc ? [] : ['@trpc/*'],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
