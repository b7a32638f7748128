import type { Message } from '@parley/sdk';
import { useFileUrl } from '../ui/use-file-url.ts';

/** The server's preview of the first link in a message: site, title, description, image. */
export function LinkPreview({ preview }: { preview: NonNullable<Message['linkPreview']> }) {
  const image = useFileUrl(preview.imageUrl);
  return (
    <a
      className="link-preview"
      href={preview.url}
      target="_blank"
      rel="noreferrer noopener"
      aria-label={`Link preview: ${preview.title ?? preview.url}`}
    >
      {image && <img src={image} alt="" />}
      <span className="link-preview-text">
        {preview.siteName && <span className="muted small">{preview.siteName}</span>}
        {preview.title && <strong>{preview.title}</strong>}
        {preview.description && <span className="small">{preview.description}</span>}
      </span>
    </a>
  );
}
