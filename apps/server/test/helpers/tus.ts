import type { TestUser } from './clients.ts';
import { authHeader } from './files.ts';
import type { TestServer } from './test-server.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** tus 1.0 creation: POST with Upload-Length and Upload-Metadata. */
export function tusCreate(
  server: TestServer,
  user: TestUser,
  upload: { length: number; name: string; type?: string },
): Promise<Response> {
  const metadata = [`filename ${b64(upload.name)}`];
  if (upload.type) metadata.push(`filetype ${b64(upload.type)}`);
  return fetch(`${server.url}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      ...authHeader(user),
      'tus-resumable': '1.0.0',
      'upload-length': String(upload.length),
      'upload-metadata': metadata.join(','),
    },
  });
}

/** tus 1.0 PATCH of `body` at `offset` (`body` may be a stream that breaks off). */
export function tusPatch(
  server: TestServer,
  user: TestUser,
  location: string,
  offset: number,
  body: RequestInit['body'],
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(new URL(location, server.url), {
    method: 'PATCH',
    headers: {
      ...authHeader(user),
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body,
    signal,
    duplex: 'half',
  } as RequestInit);
}

/** tus 1.0 HEAD: the server's offset, or null when there is no such upload for this user. */
export async function tusOffset(
  server: TestServer,
  user: TestUser,
  location: string,
): Promise<number | null> {
  const res = await fetch(new URL(location, server.url), {
    method: 'HEAD',
    headers: { ...authHeader(user), 'tus-resumable': '1.0.0' },
  });
  return res.status === 200 ? Number(res.headers.get('upload-offset')) : null;
}
