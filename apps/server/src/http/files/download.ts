import { Readable } from 'node:stream';
import type { ApiDeps } from '@parley/api';
import contentDisposition from 'content-disposition';
import type { Context } from 'hono';
import { HttpError } from './http-error.ts';
import { parseRange } from './range.ts';

// Shown in the browser; everything else downloads (and never runs: nosniff plus a sandbox CSP).
const INLINE = /^(image\/(jpeg|png|gif|webp|avif)|audio\/[\w.+-]+|video\/[\w.+-]+)$/;

export interface BlobResponse {
  key: string;
  size: number;
  /** Strong validator: the bytes' hash (plus the variant for thumbnails). */
  etag: string;
  contentType: string;
  fileName: string;
}

export interface DownloadOptions {
  /** S3 only: answer 302 to a presigned URL valid this long instead of proxying bytes. */
  presignSeconds: number | null;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return (
    header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
  );
}

/** GET (and HEAD) of a stored blob with ETag / If-None-Match, Range / If-Range and 206. */
export async function blobResponse(
  c: Context,
  api: ApiDeps,
  blob: BlobResponse,
  options: DownloadOptions,
): Promise<Response> {
  const disposition = contentDisposition(blob.fileName, {
    type: INLINE.test(blob.contentType) ? 'inline' : 'attachment',
  });
  const headers: Record<string, string> = {
    ETag: blob.etag,
    'Cache-Control': 'private, max-age=3600',
    'Content-Type': blob.contentType,
    'Content-Disposition': disposition,
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Accept-Ranges': 'bytes',
  };
  if (etagMatches(c.req.header('if-none-match'), blob.etag)) {
    return c.body(null, 304, { ETag: blob.etag, 'Cache-Control': headers['Cache-Control']! });
  }
  if (options.presignSeconds) {
    const url = await api.blobs.presignGet(blob.key, {
      expiresInSeconds: options.presignSeconds,
      contentType: blob.contentType,
      contentDisposition: disposition,
    });
    if (url) return c.body(null, 302, { Location: url, 'Cache-Control': 'no-store' });
  }
  const ifRange = c.req.header('if-range');
  const range =
    ifRange && ifRange !== blob.etag ? null : parseRange(c.req.header('range'), blob.size);
  if (range === 'unsatisfiable') {
    return c.body(null, 416, { 'Content-Range': `bytes */${blob.size}` });
  }
  const length = range ? range.end - range.start + 1 : blob.size;
  headers['Content-Length'] = String(length);
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${blob.size}`;
  const status = range ? 206 : 200;
  if (c.req.method === 'HEAD') return c.body(null, status, headers);
  const stream = await api.blobs.get(blob.key, range ?? undefined);
  if (!stream) throw new HttpError(404, 'NOT_FOUND', 'File not found');
  return c.body(Readable.toWeb(stream) as ReadableStream, status, headers);
}
