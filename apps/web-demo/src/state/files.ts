import type { FileInfo, ParleyClient } from '@parley/sdk';

// File bytes travel over plain HTTP (`/api/v1/files`), not tRPC. Files and thumbnails load
// through the SDK's signed URLs (`parley.files.url`); a link preview's image has no signed
// form, so it is fetched with the access token (`getAccessToken`) into an object URL.

async function authorized(parley: ParleyClient, init: RequestInit = {}): Promise<RequestInit> {
  const token = await parley.getAccessToken();
  return { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } };
}

async function failure(res: Response): Promise<Error> {
  const body = (await res.json().catch(() => null)) as { message?: string } | null;
  return new Error(body?.message ?? `The server answered ${res.status}`);
}

const objectUrls = new Map<string, Promise<string>>();

/**
 * An object URL for a file or one of its thumbnails (`path` below /api/v1/files/, or a full
 * `/api/v1/...` path such as a link preview's image), cached.
 */
export function fileObjectUrl(parley: ParleyClient, path: string): Promise<string> {
  let url = objectUrls.get(path);
  if (!url) {
    url = (async () => {
      const url = path.startsWith('/api/v1/') ? path : `/api/v1/files/${path}`;
      const res = await fetch(url, await authorized(parley));
      if (!res.ok) throw await failure(res);
      return URL.createObjectURL(await res.blob());
    })();
    url.catch(() => objectUrls.delete(path));
    objectUrls.set(path, url);
  }
  return url;
}

/** Saves a file through its signed URL (no bearer token needed), with its original name. */
export async function downloadFile(parley: ParleyClient, file: FileInfo): Promise<void> {
  const link = document.createElement('a');
  link.href = await parley.files.url(file.id);
  link.download = file.name;
  document.body.append(link);
  link.click();
  link.remove();
}

/** The smallest thumbnail at least `want` pixels wide, or the largest there is. */
export function thumbnailPath(file: FileInfo, want: number): string | null {
  const sizes = [...file.thumbnailSizes].sort((a, b) => a - b);
  const size = sizes.find((s) => s >= want) ?? sizes.at(-1);
  return size === undefined ? null : `${file.id}/thumbnail/${size}`;
}
