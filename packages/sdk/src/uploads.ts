import { type BackoffOptions, backoffDelay } from './backoff.ts';
import type { FileInfo } from './contract.gen.ts';
import { ParleyError, type ParleyErrorCode } from './errors.ts';
import type { PersistedStore } from './persisted.ts';

/** What `files.upload` takes: a `File` or `Blob`, bytes, or a stream of bytes. */
export type UploadSource = Blob | Uint8Array | ReadableStream<Uint8Array>;

export interface UploadProgress {
  /** Bytes the server has (after a resume, counting from what it had already). */
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** File name; default the `File`'s name, else `file`. */
  name?: string;
  /** Declared content type (the server checks it against the bytes); default the Blob's. */
  type?: string;
  /**
   * The conversation the file is meant for. It is attached by `messages.send`; here it only
   * keeps resumable uploads of the same bytes for different conversations apart.
   */
  conversationId?: string;
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting rejects with the signal's reason and abandons the upload on the server. */
  signal?: AbortSignal;
}

export interface UploaderOptions {
  url: string;
  fetch: typeof fetch;
  store: PersistedStore;
  token(): Promise<string>;
  owner(): string | null;
  backoff: BackoffOptions;
  /** Consecutive failed requests (without progress) before the upload fails. */
  maxAttempts: number;
  /** At or above this size the upload is resumable (tus). Default 4 MiB. */
  resumableThreshold: number;
  /** Bytes per tus PATCH. Default 1 MiB. */
  chunkSize: number;
}

const TUS = { 'Tus-Resumable': '1.0.0' };
const CODE_OF: Record<number, ParleyErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** A refusal from a file route as a ParleyError (`reason`: the server's own code). */
export async function httpError(response: Response): Promise<ParleyError> {
  const body = (await response.json().catch(() => null)) as {
    code?: string;
    message?: string;
  } | null;
  const status = response.status;
  const code = CODE_OF[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'UNKNOWN');
  return new ParleyError(code, body?.message ?? `HTTP ${status}`, {
    httpStatus: status,
    reason: body?.code,
  });
}

async function toBlob(source: UploadSource, type: string): Promise<Blob> {
  if (source instanceof Blob) return source;
  if (source instanceof Uint8Array) return new Blob([source as Uint8Array<ArrayBuffer>], { type });
  // A stream is read to its end: the size must be known for the limit and for resuming.
  return new Response(source).blob();
}

/** Identifies the same bytes across page loads, so a stored upload URL can be found again. */
async function fingerprint(blob: Blob, name: string, conversationId: string | undefined) {
  const head = await blob.slice(0, 64 * 1024).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', head));
  const hash = Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
  const modified = (blob as Partial<File>).lastModified ?? '';
  return `${name}|${blob.size}|${modified}|${conversationId ?? ''}|${hash}`;
}

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** Multipart for small files, tus above the threshold; see `FilesClient.upload`. */
export function createUploader(options: UploaderOptions) {
  const { url, store } = options;

  async function send(input: string, init: RequestInit, signal?: AbortSignal) {
    const headers = { ...init.headers, authorization: `Bearer ${await options.token()}` };
    try {
      return await options.fetch(new URL(input, url), { ...init, headers, signal });
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      throw new ParleyError('NETWORK_ERROR', (cause as Error).message, { cause });
    }
  }

  /** Runs `step` until it succeeds; network trouble and 5xx wait and try again. */
  async function retrying<T>(step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await step();
      } catch (error) {
        const retry = error instanceof ParleyError && error.retryable;
        if (!retry || signal?.aborted || failures + 1 >= options.maxAttempts) throw error;
        const delay = backoffDelay(failures, options.backoff);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (signal?.aborted) throw signal.reason;
      }
    }
  }

  async function multipart(blob: Blob, name: string, opts: UploadOptions): Promise<FileInfo> {
    const form = new FormData();
    // A File carries its name in every FormData implementation (some drop the third argument).
    form.set('file', new File([blob], name, { type: blob.type }));
    opts.onProgress?.({ loaded: 0, total: blob.size });
    const response = await retrying(
      () => send('/api/v1/files', { method: 'POST', body: form }, opts.signal),
      opts.signal,
    );
    if (response.status !== 201) throw await httpError(response);
    opts.onProgress?.({ loaded: blob.size, total: blob.size });
    return (await response.json()) as FileInfo;
  }

  async function resumable(blob: Blob, name: string, opts: UploadOptions): Promise<FileInfo> {
    const { signal } = opts;
    const key = `upload:${options.owner()}:${await fingerprint(blob, name, opts.conversationId)}`;
    let location = (await store.read<string>(key)) ?? null;
    let offset = 0;

    async function create(): Promise<void> {
      const type = opts.type ?? blob.type;
      const metadata = [`filename ${b64(name)}`, type ? `filetype ${b64(type)}` : ''];
      const response = await send(
        '/api/v1/uploads',
        {
          method: 'POST',
          headers: {
            ...TUS,
            'Upload-Length': String(blob.size),
            'Upload-Metadata': metadata.filter(Boolean).join(','),
          },
        },
        signal,
      );
      if (response.status !== 201) throw await httpError(response);
      location = response.headers.get('location')!;
      offset = 0;
      store.write(key, location);
    }

    /** Where the server is; a vanished upload (expired, removed) starts over. */
    async function resume(): Promise<void> {
      const response = await send(location!, { method: 'HEAD', headers: TUS }, signal);
      if (response.status === 404 || response.status === 410) return create();
      if (!response.ok) throw await httpError(response);
      offset = Number(response.headers.get('upload-offset'));
    }

    try {
      await retrying(() => (location ? resume() : create()), signal);
      for (;;) {
        opts.onProgress?.({ loaded: offset, total: blob.size });
        const chunk = blob.slice(offset, offset + options.chunkSize);
        const step = async () => {
          const response = await send(
            location!,
            {
              method: 'PATCH',
              headers: {
                ...TUS,
                'Upload-Offset': String(offset),
                'Content-Type': 'application/offset+octet-stream',
              },
              body: chunk,
            },
            signal,
          ).catch(async (error) => {
            // The connection dropped mid-chunk: ask how much arrived, then go on from there.
            if (error instanceof ParleyError) await resume().catch(() => undefined);
            throw error;
          });
          if (response.status === 409) return resume().then(() => null);
          if (response.status === 200) return (await response.json()) as FileInfo;
          if (response.status !== 204) throw await httpError(response);
          offset = Number(response.headers.get('upload-offset'));
          return null;
        };
        const file = await retrying(step, signal);
        if (file) {
          store.write(key, null);
          opts.onProgress?.({ loaded: blob.size, total: blob.size });
          return file;
        }
      }
    } catch (error) {
      if (signal?.aborted) {
        store.write(key, null);
        if (location) void send(location, { method: 'DELETE', headers: TUS }).catch(() => {});
      } else if (error instanceof ParleyError && !error.retryable) {
        store.write(key, null); // refused (too large, wrong type): the server removed it
      }
      throw error;
    }
  }

  return async function upload(source: UploadSource, opts: UploadOptions = {}) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (!options.owner()) throw new ParleyError('UNAUTHORIZED', 'Not signed in');
    const blob = await toBlob(source, opts.type ?? '');
    const name = opts.name ?? (blob as Partial<File>).name ?? 'file';
    const typed =
      opts.type && opts.type !== blob.type ? new Blob([blob], { type: opts.type }) : blob;
    return blob.size >= options.resumableThreshold
      ? resumable(typed, name, opts)
      : multipart(typed, name, opts);
  };
}

export type Upload = ReturnType<typeof createUploader>;
