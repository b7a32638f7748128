import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Context } from 'hono';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);
/** Below this, compression costs more than it saves. */
const MIN_COMPRESS_BYTES = 1024;

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

interface Variant {
  body: Buffer;
  encoding: 'br' | 'gzip' | null;
}

export interface StaticFile {
  type: string;
  etag: string;
  identity: Buffer;
  br: Buffer | null;
  gzip: Buffer | null;
}

/** The file's compressed sibling written at build time (`x.js.br`), if any. */
async function sibling(path: string, suffix: string): Promise<Buffer | null> {
  try {
    return await readFile(`${path}${suffix}`);
  } catch {
    return null;
  }
}

async function load(path: string): Promise<StaticFile | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
  } catch {
    return null;
  }
  const identity = await readFile(path);
  const ext = extname(path).toLowerCase();
  const etag = `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`;
  const file: StaticFile = {
    type: TYPES[ext] ?? 'application/octet-stream',
    etag,
    identity,
    br: null,
    gzip: null,
  };
  if (COMPRESSIBLE.has(ext) && identity.length >= MIN_COMPRESS_BYTES) {
    // Precompressed at build time (scripts/precompress.mjs, quality 11), else once here, off
    // the main thread, at a quality that takes milliseconds rather than seconds.
    file.br =
      (await sibling(path, '.br')) ??
      (await brotli(identity, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
        },
      }));
    file.gzip = (await sibling(path, '.gz')) ?? (await gz(identity, { level: 9 }));
  }
  return file;
}

/**
 * Files under `root`, read and compressed once per process (they do not change while it runs),
 * with a strong ETag. `null` for anything outside `root` or missing.
 */
export function staticFiles(root: string) {
  const cache = new Map<string, Promise<StaticFile | null>>();
  const base = normalize(root + sep);
  return (relative: string): Promise<StaticFile | null> => {
    const path = normalize(join(root, relative));
    if (!path.startsWith(base) || relative.includes('\0')) return Promise.resolve(null);
    let file = cache.get(path);
    if (!file) {
      file = load(path);
      cache.set(path, file);
      // A miss is not cached: the file may be built later (development).
      void file.then((f) => {
        if (!f) cache.delete(path);
      });
    }
    return file;
  };
}

/** Picks the smallest encoding the client accepts (`br` over `gzip` over none). */
function negotiate(file: StaticFile, acceptEncoding: string): Variant {
  const accepts = (name: string) =>
    acceptEncoding
      .split(',')
      .map((part) => part.trim().split(';'))
      .some(([coding, ...params]) => {
        if (coding?.trim().toLowerCase() !== name) return false;
        const q = params.find((p) => p.trim().startsWith('q='));
        return !q || Number(q.trim().slice(2)) > 0;
      });
  if (file.br && accepts('br')) return { body: file.br, encoding: 'br' };
  if (file.gzip && accepts('gzip')) return { body: file.gzip, encoding: 'gzip' };
  return { body: file.identity, encoding: null };
}

/** Answers with the file: 304 on a matching `If-None-Match`, otherwise the best encoding. */
export function sendStatic(c: Context, file: StaticFile, cacheControl: string): Response {
  const headers: Record<string, string> = {
    'content-type': file.type,
    etag: file.etag,
    'cache-control': cacheControl,
  };
  if (file.br || file.gzip) headers.vary = 'Accept-Encoding';
  const inm = c.req.header('if-none-match');
  if (inm?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
    return c.body(null, 304, headers);
  }
  const variant = negotiate(file, c.req.header('accept-encoding') ?? '');
  if (variant.encoding) headers['content-encoding'] = variant.encoding;
  headers['content-length'] = String(variant.body.length);
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  return c.body(new Uint8Array(variant.body), 200, headers);
}
