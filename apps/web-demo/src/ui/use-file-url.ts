import { useParley } from '@parley/react';
import type { ParleyClient } from '@parley/sdk';
import { useEffect, useState } from 'react';
import { fileObjectUrl } from '../state/files.ts';

const THUMBNAIL_SIZES = [64, 256, 1024] as const;
type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

/**
 * A URL an `<img>` can load for a file path (`<fileId>` or `<fileId>/thumbnail/<size>`): the
 * SDK's short-lived signed URL (`parley.files.url`), so the browser fetches, caches and decodes
 * it itself. Other authorized paths (a link preview's image, `/api/v1/...`) have no signed
 * form and are fetched with the bearer token into an object URL.
 */
function urlFor(parley: ParleyClient, path: string): Promise<string> {
  const file = /^([^/]+)(?:\/thumbnail\/(\d+))?$/.exec(path);
  if (!file) return fileObjectUrl(parley, path);
  const size = Number(file[2]) as ThumbnailSize;
  const thumbnail = THUMBNAIL_SIZES.includes(size) ? size : undefined;
  return parley.files.url(file[1]!, thumbnail ? { thumbnail } : {});
}

/** A loadable URL for a file, thumbnail or other authorized image path (null until known). */
export function useFileUrl(path: string | null): string | null {
  const parley = useParley();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    setUrl(null);
    if (!path) return;
    let live = true;
    urlFor(parley, path).then(
      (u) => live && setUrl(u),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [parley, path]);
  return url;
}
