import type { Insertable, Selectable } from 'kysely';

/**
 * An uploaded file. The bytes (and thumbnails) live in the blob store under `files/<id>/`;
 * the row exists only once they are stored, so a row always has its bytes.
 */
export interface FilesTable {
  id: string;
  owner_id: string;
  /** Display name from the client, sanitized; never used as a path. */
  name: string;
  /** Detected from the bytes, never taken from the client. */
  content_type: string;
  size: number;
  /** Hex SHA-256 of the bytes; the download ETag. */
  sha256: string;
  width: number | null;
  height: number | null;
  /** BlurHash of the image, for a placeholder while the thumbnail loads. */
  placeholder: string | null;
  /** Comma-separated thumbnail sizes stored for images, e.g. "64,256,1024". */
  thumbnail_sizes: string | null;
  created_at: string;
  /** First time the file was attached (message, avatar); never-attached uploads are swept. */
  attached_at: string | null;
  /** Soft delete by the uploader: the row stays, the bytes are removed. */
  deleted_at: string | null;
}
export type FileRow = Selectable<FilesTable>;
export type NewFileRow = Insertable<FilesTable>;

export interface MessageAttachmentsTable {
  message_id: string;
  file_id: string;
  /** Order of the attachment within its message. */
  position: number;
}
export type MessageAttachmentRow = Selectable<MessageAttachmentsTable>;
