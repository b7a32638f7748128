import { open } from 'node:fs/promises';
import { HttpError } from './http-error.ts';

// What a client may say when it does not know (or care) what the bytes are.
const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream']);
// Text has no signature; these declared types are kept when the bytes are plain text.
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'text/markdown', 'application/json']);
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'audio/mp3': 'audio/mpeg',
  'audio/x-wav': 'audio/wav',
  'video/quicktime': 'video/quicktime',
};

function normalize(type: string | null | undefined): string {
  const bare = (type ?? '').split(';')[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
}

function lying(declared: string, actual: string): HttpError {
  return new HttpError(
    415,
    'CONTENT_TYPE_MISMATCH',
    `The file was sent as ${declared}, but its bytes are ${actual}`,
  );
}

/** UTF-8 without NUL bytes in the first 8 KiB: good enough to call it text. */
async function looksLikeText(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8192), 0, 8192, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * The content type of a stored file comes from its bytes (file-type's signatures). The
 * client's declared type is only checked against them: a specific type that disagrees with
 * the bytes is refused (415), so nothing is ever stored under a type it is not.
 */
export async function detectContentType(
  path: string,
  declaredType: string | null,
): Promise<string> {
  const declared = normalize(declaredType);
  // file-type's signatures load with the first upload, not at start.
  const { fileTypeFromFile, supportedMimeTypes } = await import('file-type');
  const found = await fileTypeFromFile(path);
  if (found) {
    if (!GENERIC.has(declared) && normalize(found.mime) !== declared) {
      throw lying(declared, found.mime);
    }
    return found.mime;
  }
  const text = await looksLikeText(path);
  if (supportedMimeTypes.has(declared as never) || (TEXT_TYPES.has(declared) && !text)) {
    throw lying(declared, text ? 'text' : 'unrecognized binary data');
  }
  if (text) return TEXT_TYPES.has(declared) ? declared : 'text/plain';
  return 'application/octet-stream';
}
