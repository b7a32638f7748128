import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { FileDto } from '@parley/api';
import sharp from 'sharp';
import type { TestUser } from './clients.ts';
import type { TestServer } from './test-server.ts';

/** A real PNG with some structure (a gradient), so thumbnails and BlurHash have work to do. */
export async function makePng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = Math.round((255 * x) / width);
      pixels[i + 1] = Math.round((255 * y) / height);
      pixels[i + 2] = 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

export function authHeader(user: TestUser): Record<string, string> {
  return { authorization: `Bearer ${user.auth.accessToken}` };
}

/** POST /api/v1/files as real multipart form data. */
export function uploadRaw(
  server: TestServer,
  user: TestUser,
  bytes: Uint8Array,
  name: string,
  type: string,
): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  return fetch(`${server.url}/api/v1/files`, {
    method: 'POST',
    headers: authHeader(user),
    body: form,
  });
}

export async function upload(
  server: TestServer,
  user: TestUser,
  bytes: Uint8Array,
  name: string,
  type: string,
): Promise<FileDto> {
  const res = await uploadRaw(server, user, bytes, name, type);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as FileDto;
}

export function download(
  server: TestServer,
  user: TestUser,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/api/v1/files/${path}`, {
    headers: { ...authHeader(user), ...headers },
  });
}

/** Every regular file under `dir`, relative, e.g. to prove a refusal left nothing behind. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/**
 * A decompression bomb: a real, tiny PNG whose header claims `width` x `height` pixels
 * (IHDR rewritten, CRC fixed). Decoding it would need gigabytes; reading the header does not.
 */
export async function makePixelBomb(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await makePng(8, 8));
  // Signature (8) + IHDR length (4) + "IHDR" (4), then width and height, then CRC at 29.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** What a refused upload must not leave: staged bytes, tus uploads, blobs or rows. */
export async function leftovers(server: TestServer) {
  const rows = await server.server.db.db.selectFrom('files').select('id').execute();
  return {
    rows: rows.length,
    blobs: await server.server.blobs.list(''),
    local: await filesUnder(join(server.dataDir, 'uploads')),
    diskBlobs: await filesUnder(join(server.dataDir, 'files')),
  };
}

export const nothingLeft = { rows: 0, blobs: [], local: [], diskBlobs: [] };
