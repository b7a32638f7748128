import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Upload } from '@tus/server';
import { ulid } from 'ulid';
import { HttpError } from './http-error.ts';
import { type IngestDeps, ingestFile } from './ingest.ts';

/**
 * Resumable uploads live at /api/v1/uploads. Until issue 18 they were at /api/v1/files/tus,
 * which made `/files/tus/{uploadId}` and `/files/{fileId}/meta` ambiguous; that path still
 * works (undocumented, see filesRoutes) and answers with /uploads locations.
 */
export const TUS_PATH = '/api/v1/uploads';
export const LEGACY_TUS_PATH = '/api/v1/files/tus';

export interface TusOptions {
  directory: string;
  maxBytes: number;
  /** Unfinished uploads older than this are removed by `cleanUp()`. */
  expireAfterMs: number;
  corsOrigins: string[];
  onError: (error: unknown) => void;
}

export interface TusUploads {
  handle(request: Request, userId: string): Promise<Response>;
  /** Removes expired unfinished uploads; returns how many. */
  cleanUp(): Promise<number>;
}

type TusError = { status_code: number; body: string };

const tusError = (status: number, code: string, message: string): TusError => ({
  status_code: status,
  body: JSON.stringify({ code, message }),
});
const notFound = () => tusError(404, 'NOT_FOUND', 'Upload not found');

/**
 * Resumable uploads (tus 1.0: creation, creation-with-upload, termination, expiration).
 * Uploads are staged on local disk (@tus/file-store) whatever the blob store is; the upload id
 * becomes the file id, and the finishing PATCH runs the same ingest as a multipart upload,
 * answering 200 with the file (or the refusal, after removing the upload).
 */
export function createTusUploads(deps: IngestDeps, options: TusOptions): TusUploads {
  // @tus/server and its store are loaded with the first resumable upload (or the first
  // clean-up that finds uploads on disk), not at start: most processes never see one.
  let started: Promise<TusServer> | undefined;
  const server = () => {
    started ??= startTusServer(deps, options);
    return started;
  };
  return {
    async handle(request, userId) {
      const tus = await server();
      tus.callers.set(request, userId);
      return tus.server.handleWeb(request);
    },
    async cleanUp() {
      if (!started) {
        const entries = await readdir(options.directory).catch(() => []);
        if (entries.length === 0) return 0;
      }
      return (await server()).server.cleanUpExpiredUploads();
    },
  };
}

interface TusServer {
  server: import('@tus/server').Server;
  callers: WeakMap<Request, string>;
}

async function startTusServer(deps: IngestDeps, options: TusOptions): Promise<TusServer> {
  const [{ FileStore }, { Server }] = await Promise.all([
    import('@tus/file-store'),
    import('@tus/server'),
  ]);
  const store = new FileStore({
    directory: options.directory,
    expirationPeriodInMilliseconds: options.expireAfterMs,
  });
  const callers = new WeakMap<Request, string>();
  const callerOf = (req: unknown) => callers.get(req as Request);
  const ownerOf = (upload: Upload) => upload.metadata?.owner;

  const server = new Server({
    path: TUS_PATH,
    datastore: store,
    maxSize: options.maxBytes,
    relativeLocation: true,
    allowedOrigins: (origin) => options.corsOrigins.includes(origin),
    exposedHeaders: ['Parley-File-Id'],
    namingFunction: () => ulid(),
    async onUploadCreate(req, upload) {
      const filename = upload.metadata?.filename ?? upload.metadata?.name ?? 'file';
      const filetype = upload.metadata?.filetype ?? upload.metadata?.type ?? '';
      if (filename.length > 1024 || filetype.length > 255) {
        throw tusError(400, 'BAD_REQUEST', 'Upload-Metadata filename or filetype is too long');
      }
      // Only what we need, and the owner from the token, never from the client.
      return { metadata: { filename, filetype, owner: callerOf(req) ?? null } };
    },
    async onIncomingRequest(req, id) {
      if (req.method === 'POST') return;
      const upload = await store.getUpload(id).catch(() => null);
      if (!upload || ownerOf(upload) !== callerOf(req)) throw notFound();
    },
    async onUploadFinish(req, upload) {
      try {
        const file = await ingestFile(deps, {
          fileId: upload.id,
          ownerId: callerOf(req)!,
          name: upload.metadata?.filename ?? 'file',
          declaredType: upload.metadata?.filetype || null,
          path: join(options.directory, upload.id),
        });
        return {
          status_code: 200,
          headers: { 'Content-Type': 'application/json', 'Parley-File-Id': file.id },
          body: JSON.stringify(file),
        };
      } catch (error) {
        if (error instanceof HttpError) throw tusError(error.status, error.code, error.message);
        options.onError(error);
        throw tusError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      } finally {
        // Finished either way: the bytes now live in the blob store, or were refused.
        await store.remove(upload.id).catch(() => {});
      }
    },
  });

  return { server, callers };
}
