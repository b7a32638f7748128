import { useParley } from '@parley/react';
import { useEffect, useState } from 'react';
import { fileObjectUrl } from '../state/files.ts';

/** An object URL for an authorized file path (images cannot send a bearer token themselves). */
export function useFileUrl(path: string | null): string | null {
  const parley = useParley();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    setUrl(null);
    if (!path) return;
    let live = true;
    fileObjectUrl(parley, path).then(
      (u) => live && setUrl(u),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [parley, path]);
  return url;
}
