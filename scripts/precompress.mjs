#!/usr/bin/env node
// Writes `x.br` (brotli, quality 11) and `x.gz` (gzip -9) next to every compressible file of
// at least 1 KiB under the given directories, so the server sends them without compressing at
// run time (apps/server/src/http/static-files.ts prefers these siblings).
// Usage: node scripts/precompress.mjs <dir>...
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (COMPRESSIBLE.has(extname(entry.name))) yield path;
  }
}

let count = 0;
for (const dir of process.argv.slice(2)) {
  for await (const path of files(dir)) {
    if ((await stat(path)).size < 1024) continue;
    const body = await readFile(path);
    await writeFile(
      `${path}.br`,
      brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
    );
    await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
    count += 1;
  }
}
console.log(`precompressed ${count} files`);
