import { rm } from 'node:fs/promises';
import {
  type ApiDeps,
  fileKeys,
  type LiveServices,
  requireReadableFile,
  thumbnailSizesOf,
} from '@parley/api';
import { type Context, Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { AppLogger } from '../../logger.ts';
import { type FilesEnv, requireUser } from './auth.ts';
import { blobResponse } from './download.ts';
import { errorResponse, HttpError, tooLarge } from './http-error.ts';
import { ingestFile } from './ingest.ts';
import { receiveMultipart } from './multipart.ts';
import { createDownloadSigner, type SignedVariant } from './signed-urls.ts';
import { LEGACY_TUS_PATH, TUS_PATH, type TusUploads } from './tus.ts';

export interface FilesRoutesDeps {
  api: ApiDeps;
  live: LiveServices;
  config: Config;
  logger: AppLogger;
  stagingDir: string;
  tus: TusUploads;
}

// Room for the multipart boundaries and part headers around the file itself.
const MULTIPART_OVERHEAD = 16 * 1024;

const id = z.string().regex(/^[0-9A-Za-z]{1,64}$/);
const fileParams = z.object({ id });
const thumbnailParams = z.object({ id, size: z.coerce.number().int().positive() });
const urlQuery = z.strictObject({
  thumbnail: z.coerce.number().int().positive().max(4096).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(404, 'NOT_FOUND', 'File not found');
  return result.data;
}

/**
 * /api/v1/files...: bytes in and out (multipart and tus uploads, downloads with Range and
 * ETag, thumbnails). File metadata (`/files/{id}/meta`, `DELETE /files/{id}`,
 * `/conversations/{id}/files`) comes from the `files` router through the REST bridge.
 */
export function filesRoutes(deps: FilesRoutesDeps): Hono<FilesEnv> {
  const { api, config, logger } = deps;
  const app = new Hono<FilesEnv>();
  const ingest = { api, imageMaxPixels: config.IMAGE_MAX_PIXELS };
  const presignSeconds =
    config.S3_PRESIGNED_DOWNLOADS && api.blobs.kind === 's3' ? config.S3_PRESIGN_TTL_SECONDS : null;

  app.onError((error, c) =>
    errorResponse(c, error, (err) => logger.error({ err, path: c.req.path }, 'file route failed')),
  );
  const signer = createDownloadSigner(api.auth.jwtSecret, config.FILE_URL_TTL_SECONDS, () =>
    api.clock.now(),
  );
  const auth = requireUser(api, deps.live);
  // A download with `?signature=` carries its own authority (checked by the route, for exactly
  // that file); everything else needs the bearer token.
  const signedOrBearer = createMiddleware<FilesEnv>(async (c, next) => {
    const read = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (read && c.req.query('signature') !== undefined) {
      c.set('userId', '');
      c.set('signed', true);
      return next();
    }
    return auth(c, next);
  });
  app.use('/files', auth);
  app.use('/files/*', signedOrBearer);
  for (const path of ['/uploads', '/uploads/*']) app.use(path, auth);

  /** The file row for a download: through the signed URL, or the caller's access rules. */
  async function readableRow(c: Context<FilesEnv>, fileId: string, variant: SignedVariant) {
    if (!c.get('signed')) return requireReadableFile(api.db, fileId, c.get('userId'));
    const { expires = '', signature = '' } = c.req.query();
    if (!signer.verify(fileId, variant, expires, signature)) {
      throw new HttpError(403, 'FORBIDDEN', 'Invalid or expired download link');
    }
    const row = await api.db
      .selectFrom('files')
      .selectAll()
      .where('id', '=', fileId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new HttpError(404, 'NOT_FOUND', 'File not found');
    return row;
  }

  // tus at /uploads; the former /files/tus paths are handed over as if sent to /uploads.
  const tusRequest = (req: Request): Request => {
    const url = new URL(req.url);
    if (!url.pathname.startsWith(LEGACY_TUS_PATH)) return req;
    url.pathname = TUS_PATH + url.pathname.slice(LEGACY_TUS_PATH.length);
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers: req.headers,
      signal: req.signal,
    };
    if (req.body) {
      init.body = req.body;
      init.duplex = 'half';
    }
    return new Request(url, init);
  };
  const tusPaths = ['/uploads', '/uploads/:uploadId', '/files/tus', '/files/tus/:uploadId'];
  app.on(['POST', 'PATCH', 'DELETE'], tusPaths, (c) =>
    deps.tus.handle(tusRequest(c.req.raw), c.get('userId')),
  );
  // Hono routes HEAD as GET. tus answers HEAD (the offset); its GET (raw bytes) stays closed.
  app.get('/uploads/:uploadId', (c) => {
    if (c.req.method !== 'HEAD')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use HEAD or PATCH');
    if (c.get('signed')) throw new HttpError(404, 'NOT_FOUND', 'Upload not found');
    return deps.tus.handle(c.req.raw, c.get('userId'));
  });
  app.get('/files/tus/:uploadId', (c) => {
    if (c.req.method !== 'HEAD')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use HEAD or PATCH');
    return deps.tus.handle(tusRequest(c.req.raw), c.get('userId'));
  });

  // A short-lived URL that downloads one file (or one thumbnail size) without a bearer header.
  app.get('/files/:id/url', async (c) => {
    if (c.get('signed')) throw new HttpError(404, 'NOT_FOUND', 'File not found');
    const { id } = parse(fileParams, c.req.param());
    const query = urlQuery.safeParse(c.req.query());
    if (!query.success) throw new HttpError(400, 'BAD_REQUEST', 'thumbnail must be a size');
    const row = await requireReadableFile(api.db, id, c.get('userId'));
    const size = query.data.thumbnail;
    if (size !== undefined && !thumbnailSizesOf(row).includes(size)) {
      throw new HttpError(404, 'NOT_FOUND', 'Thumbnail not found');
    }
    const path =
      size === undefined ? `/api/v1/files/${row.id}` : `/api/v1/files/${row.id}/thumbnail/${size}`;
    const signed = signer.sign(row.id, size === undefined ? 'original' : `thumb-${size}`);
    c.header('Cache-Control', 'no-store');
    return c.json({
      url: `${config.PUBLIC_URL?.replace(/\/+$/, '') ?? ''}${path}?${signed.query}`,
      expiresAt: signed.expiresAt.toISOString(),
    });
  });

  app.post('/files', async (c) => {
    // A refusal may come before the body is read to its end: then the connection cannot be
    // reused, so say so rather than let the client's next request hit a closing socket.
    c.header('Connection', 'close');
    const declared = Number(c.req.header('content-length'));
    if (declared > config.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD) {
      throw tooLarge(config.UPLOAD_MAX_BYTES);
    }
    const received = await receiveMultipart(c.req.raw, {
      maxBytes: config.UPLOAD_MAX_BYTES,
      stagingDir: deps.stagingDir,
    });
    try {
      const file = await ingestFile(ingest, {
        fileId: ulid(),
        ownerId: c.get('userId'),
        name: received.name,
        declaredType: received.declaredType,
        path: received.path,
      });
      return c.json(file, 201, { Location: `/api/v1/files/${file.id}`, Connection: 'keep-alive' });
    } finally {
      await rm(received.path, { force: true });
    }
  });

  app.get('/files/:id', async (c) => {
    const { id } = parse(fileParams, c.req.param());
    const row = await readableRow(c, id, 'original');
    return blobResponse(
      c,
      api,
      {
        key: fileKeys.original(row.id),
        size: Number(row.size),
        etag: `"${row.sha256}"`,
        contentType: row.content_type,
        fileName: row.name,
      },
      { presignSeconds },
    );
  });

  app.get('/files/:id/thumbnail/:size', async (c) => {
    const { id, size } = parse(thumbnailParams, c.req.param());
    const row = await readableRow(c, id, `thumb-${size}`);
    const key = fileKeys.thumbnail(row.id, size);
    const stored = thumbnailSizesOf(row).includes(size) ? await api.blobs.head(key) : null;
    if (!stored) throw new HttpError(404, 'NOT_FOUND', 'Thumbnail not found');
    return blobResponse(
      c,
      api,
      {
        key,
        size: stored.size,
        etag: `"${row.sha256}-${size}"`,
        contentType: 'image/webp',
        fileName: `${row.name.replace(/\.[^.]*$/, '')}-${size}.webp`,
      },
      { presignSeconds },
    );
  });

  // Link-preview thumbnails (stored by the link-preview worker), for any signed-in user.
  app.use('/link-previews/*', auth);
  app.get('/link-previews/:name', async (c) => {
    const name = c.req.param('name');
    if (!/^[0-9a-f]{64}\.webp$/.test(name)) throw new HttpError(404, 'NOT_FOUND', 'Not found');
    const key = `link-previews/${name}`;
    const stored = await api.blobs.head(key);
    if (!stored) throw new HttpError(404, 'NOT_FOUND', 'Not found');
    return blobResponse(
      c,
      api,
      { key, size: stored.size, etag: `"${name}"`, contentType: 'image/webp', fileName: name },
      { presignSeconds },
    );
  });

  return app;
}
