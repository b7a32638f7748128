import { useFileUrl } from './use-file-url.ts';

interface AvatarProps {
  name: string;
  fileId?: string | null;
  online?: boolean;
  size?: 'small' | 'large';
}

/** A round picture (or initials), with a presence dot when `online` is known. */
export function Avatar({ name, fileId, online, size = 'small' }: AvatarProps) {
  const url = useFileUrl(fileId ? `${fileId}/thumbnail/256` : null);
  const initials = name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <span className={`avatar avatar-${size}`}>
      {url ? <img src={url} alt="" /> : <span aria-hidden="true">{initials}</span>}
      {online !== undefined && (
        <span
          className={`presence-dot ${online ? 'online' : 'offline'}`}
          role="img"
          aria-label={online ? 'online' : 'offline'}
        />
      )}
    </span>
  );
}
