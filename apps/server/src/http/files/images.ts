import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { HttpError } from './http-error.ts';

/** Thumbnail bounding boxes (px): list avatars, chat bubbles, full-screen previews. */
export const THUMBNAIL_SIZES = [64, 256, 1024] as const;

// Formats sharp decodes from its prebuilt libvips; other images are stored without previews.
const PROCESSABLE = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
]);

// Loaded on the first image (libvips is large); files are read once each, so no cache.
let loaded: Promise<typeof import('sharp')> | undefined;
async function loadSharp() {
  loaded ??= import('sharp').then((mod) => {
    mod.default.cache(false);
    return mod;
  });
  const sharp = (await loaded).default;
  return (input: string | Buffer, options?: SharpOptions): Sharp => sharp(input, options);
}

export interface ProcessedImage {
  width: number;
  height: number;
  placeholder: string;
  thumbnails: { size: number; data: Buffer }[];
}

export function isProcessableImage(contentType: string): boolean {
  return PROCESSABLE.has(contentType);
}

/**
 * Reads the header first and refuses images over `maxPixels` before decoding a single pixel
 * (a decompression bomb is a tiny file that claims to be huge). Then makes WebP thumbnails
 * (EXIF-oriented, never enlarged) and a BlurHash placeholder from the smallest.
 */
export async function processImage(path: string, maxPixels: number): Promise<ProcessedImage> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // No pixel limit for the header alone: it decodes nothing, and we want the real size.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new HttpError(422, 'IMAGE_UNREADABLE', 'The image could not be read');
  }
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (width * height > maxPixels) {
    throw new HttpError(
      422,
      'IMAGE_TOO_LARGE',
      `The image is ${width}x${height} pixels; the limit is ${maxPixels} pixels`,
    );
  }
  try {
    const thumbnails: ProcessedImage['thumbnails'] = [];
    // Largest first from the original; smaller ones from it (cheap, and visually the same).
    let source: Buffer | string = path;
    for (const size of [...THUMBNAIL_SIZES].sort((a, b) => b - a)) {
      const data: Buffer = await sharp(source, { limitInputPixels: maxPixels })
        .rotate()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      thumbnails.unshift({ size, data });
      source = data;
    }
    const pixels = await sharp(thumbnails[0]!.data)
      .resize(32, 32, { fit: 'inside' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { encode } = await import('blurhash');
    const placeholder = encode(
      new Uint8ClampedArray(pixels.data),
      pixels.info.width,
      pixels.info.height,
      4,
      3,
    );
    const oriented = meta.autoOrient ?? { width, height };
    return { width: oriented.width, height: oriented.height, placeholder, thumbnails };
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(422, 'IMAGE_UNREADABLE', 'The image could not be read');
  }
}
