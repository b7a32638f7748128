import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobStore, LinkUnfurler, Logger } from '@parley/api';
import type { AddressPolicy } from './address-policy.ts';
import type { PageMeta } from './meta.ts';
import { safeFetch } from './safe-fetch.ts';

// The HTML parser (htmlparser2) is loaded with the first page to preview, not at start.
let metaModule: Promise<typeof import('./meta.ts')> | undefined;
async function extractMeta(html: string): Promise<PageMeta> {
  metaModule ??= import('./meta.ts');
  return (await metaModule).extractMeta(html);
}

export interface UnfurlerOptions {
  blobs: BlobStore;
  logger: Logger;
  policy: AddressPolicy;
  /** The whole unfurl (page and image, redirects included). */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/** Thumbnails of preview images: at most this size, WebP. */
const THUMBNAIL_PX = 320;

/** Where a URL's preview image is stored (and served from, by its hash). */
export function previewImageKey(imageUrl: string): string {
  return `link-previews/${createHash('sha256').update(imageUrl).digest('hex')}.webp`;
}

export function createLinkUnfurler(options: UnfurlerOptions): LinkUnfurler {
  const limits = (signal: AbortSignal, accept: string[]) => ({
    signal,
    accept,
    maxBytes: options.maxBytes,
    maxRedirects: options.maxRedirects,
    policy: options.policy,
  });

  async function thumbnail(imageUrl: string, signal: AbortSignal): Promise<string | null> {
    try {
      const image = await safeFetch(imageUrl, limits(signal, ['image/']));
      const sharp = (await import('sharp')).default;
      const webp = await sharp(image.body, { limitInputPixels: 40_000_000 })
        .rotate()
        .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer();
      const key = previewImageKey(imageUrl);
      await options.blobs.put(key, Readable.from(webp), {
        size: webp.length,
        contentType: 'image/webp',
      });
      return key;
    } catch (error) {
      options.logger.debug({ err: error }, 'link preview image skipped');
      return null;
    }
  }

  return {
    async unfurl(url) {
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const page = await safeFetch(url, limits(signal, ['text/html']));
        const meta = await extractMeta(page.body.toString('utf8'));
        if (!meta.title && !meta.description) return null;
        let image: string | null = null;
        if (meta.image) {
          try {
            image = new URL(meta.image, page.url).toString();
          } catch {
            image = null;
          }
        }
        return {
          title: meta.title,
          description: meta.description,
          siteName: meta.siteName,
          imageKey: image ? await thumbnail(image, signal) : null,
        };
      } catch (error) {
        // Never the URL in the log: it is message content.
        options.logger.debug({ err: error }, 'link preview skipped');
        return null;
      }
    },
  };
}
