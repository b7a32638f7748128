import type { Readable } from 'node:stream';

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  /** Exact byte length of `body` (S3 needs it up front; the disk adapter verifies it). */
  size: number;
  contentType: string;
}

export interface PresignOptions {
  expiresInSeconds: number;
  contentType: string;
  contentDisposition: string;
}

/**
 * Where file bytes live: local disk by default, S3-compatible storage for several instances.
 * Keys are slash-separated relative paths (`files/<id>/original`). Every adapter passes the
 * same contract suite (apps/server/test/blob-store.contract.test.ts).
 */
export interface BlobStore {
  readonly kind: 'disk' | 's3';
  /**
   * Stores `body` under `key`, replacing any previous object. All or nothing: when the body
   * fails or is shorter or longer than `size`, nothing is left under `key`.
   */
  put(key: string, body: Readable, options: PutOptions): Promise<void>;
  /** The bytes (or one range of them), or null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<Readable | null>;
  /** The object's size, or null when there is no such object. */
  head(key: string): Promise<{ size: number } | null>;
  /** Removes every object whose key starts with `prefix`. Missing objects are not an error. */
  deletePrefix(prefix: string): Promise<void>;
  /** Keys under `prefix`, in no particular order (operations and tests). */
  list(prefix: string): Promise<string[]>;
  /** A short-lived URL that reads the object directly; adapters without one return null. */
  presignGet(key: string, options: PresignOptions): Promise<string | null>;
  /** A cheap round trip that fails when the store is unusable (health check). */
  ping(): Promise<void>;
}
