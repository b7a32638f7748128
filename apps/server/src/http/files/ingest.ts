import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ApiDeps, type FileDto, fileKeys, recordFile } from '@parley/api';
import type { FileRow } from '@parley/db';
import { detectContentType } from './detect.ts';
import { isProcessableImage, type ProcessedImage, processImage } from './images.ts';

export interface IngestDeps {
  api: ApiDeps;
  imageMaxPixels: number;
}

export interface IngestInput {
  fileId: string;
  ownerId: string;
  /** The name the client gave; sanitized here, never used as a path. */
  name: string;
  /** The type the client claimed, checked against the bytes. */
  declaredType: string | null;
  /** A local file holding the complete upload (staging file or tus upload). */
  path: string;
}

/** Display names: no folders, control or bidi-override characters; at most 255 chars. */
export function sanitizeName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
    .replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim();
  return [...(clean || 'file')].slice(0, 255).join('');
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * The one finalize path for multipart and tus uploads: type from the bytes, image checks and
 * previews, bytes into the blob store, then the row. Any refusal or failure removes whatever
 * was stored, so a refused upload leaves nothing behind (the caller removes its local file).
 */
export async function ingestFile(deps: IngestDeps, input: IngestInput): Promise<FileDto> {
  const { api } = deps;
  const contentType = await detectContentType(input.path, input.declaredType);
  const image: ProcessedImage | null = isProcessableImage(contentType)
    ? await processImage(input.path, deps.imageMaxPixels)
    : null;
  const { size } = await stat(input.path);
  const sha256 = await sha256Of(input.path);
  try {
    await api.blobs.put(fileKeys.original(input.fileId), createReadStream(input.path), {
      size,
      contentType,
    });
    for (const thumb of image?.thumbnails ?? []) {
      await api.blobs.put(fileKeys.thumbnail(input.fileId, thumb.size), Readable.from(thumb.data), {
        size: thumb.data.length,
        contentType: 'image/webp',
      });
    }
    const row: FileRow = {
      id: input.fileId,
      owner_id: input.ownerId,
      name: sanitizeName(input.name),
      content_type: contentType,
      size,
      sha256,
      width: image?.width ?? null,
      height: image?.height ?? null,
      placeholder: image?.placeholder ?? null,
      thumbnail_sizes: image ? image.thumbnails.map((t) => t.size).join(',') : null,
      created_at: new Date(api.clock.now()).toISOString(),
      attached_at: null,
      deleted_at: null,
    };
    return await recordFile(api, row);
  } catch (error) {
    await api.blobs.deletePrefix(fileKeys.prefix(input.fileId)).catch((cleanupError) => {
      api.logger.error({ err: cleanupError, fileId: input.fileId }, 'cleanup after failed upload');
    });
    throw error;
  }
}
