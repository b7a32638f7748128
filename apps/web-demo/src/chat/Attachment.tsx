import { useParley } from '@parley/react';
import type { FileInfo } from '@parley/sdk';
import { downloadFile, thumbnailPath } from '../state/files.ts';
import { useFileUrl } from '../ui/use-file-url.ts';

function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** An attached file: images as a thumbnail, every file with a download button. */
export function Attachment({ file }: { file: FileInfo }) {
  const parley = useParley();
  const thumbnail = thumbnailPath(file, 256);
  const url = useFileUrl(thumbnail);
  return (
    <figure className="attachment">
      {thumbnail && (
        <div
          className="thumbnail"
          style={file.width && file.height ? { aspectRatio: `${file.width} / ${file.height}` } : {}}
        >
          {url && <img src={url} alt={file.name} />}
        </div>
      )}
      <figcaption>
        <span className="file-name">{file.name}</span>{' '}
        <span className="muted small">{sizeLabel(file.size)}</span>{' '}
        <button
          type="button"
          className="link"
          aria-label={`Download ${file.name}`}
          onClick={() => void downloadFile(parley, file)}
        >
          Download
        </button>
      </figcaption>
    </figure>
  );
}
