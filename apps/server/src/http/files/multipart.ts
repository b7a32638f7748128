import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type busboy from 'busboy';
import { HttpError, tooLarge } from './http-error.ts';

export interface ReceivedFile {
  /** Staging file with the complete bytes; the caller removes it. */
  path: string;
  name: string;
  declaredType: string;
}

/**
 * Streams the `file` part of a multipart body into a staging file, never holding the file in
 * memory. Past `maxBytes` it stops with 413 and removes what it wrote.
 */
export async function receiveMultipart(
  request: Request,
  options: { maxBytes: number; stagingDir: string },
): Promise<ReceivedFile> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data') || !request.body) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data');
  }
  await mkdir(options.stagingDir, { recursive: true });
  const path = join(options.stagingDir, `upload-${randomBytes(12).toString('hex')}`);
  const body = Readable.fromWeb(request.body as import('node:stream/web').ReadableStream);
  // Loaded with the first upload, not at start.
  const { default: createParser } = await import('busboy');
  let parser: busboy.Busboy;
  try {
    parser = createParser({
      headers: { 'content-type': contentType },
      // One byte of headroom: busboy signals `limit` on reaching fileSize, and a file of
      // exactly maxBytes is allowed ("413 above it"); the size check below does the rest.
      limits: { files: 1, fileSize: options.maxBytes + 1, fields: 10, fieldSize: 1024, parts: 11 },
    });
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Malformed multipart body');
  }

  let received: Promise<ReceivedFile> | undefined;
  let fileStream: Readable | undefined;
  let out: WriteStream | undefined;
  const done = new Promise<ReceivedFile>((resolve, reject) => {
    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || received) {
        stream.resume();
        return;
      }
      fileStream = stream;
      let truncated = false;
      stream.once('limit', () => {
        // The answer is 413 whatever follows, so stop here rather than read the rest.
        truncated = true;
        reject(tooLarge(options.maxBytes));
      });
      out = createWriteStream(path);
      received = pipeline(stream, out).then(() => {
        if (truncated || out!.bytesWritten > options.maxBytes) throw tooLarge(options.maxBytes);
        return { path, name: info.filename ?? 'file', declaredType: info.mimeType };
      });
      received.then(resolve, reject);
    });
    parser.on('error', () => reject(new HttpError(400, 'BAD_REQUEST', 'Malformed multipart body')));
    parser.on('close', () => {
      if (!received) reject(new HttpError(400, 'BAD_REQUEST', 'No "file" part in the body'));
    });
    body.on('error', () => reject(new HttpError(400, 'BAD_REQUEST', 'Upload interrupted')));
  });
  body.pipe(parser);
  try {
    return await done;
  } catch (error) {
    body.unpipe(parser);
    received?.catch(() => {});
    fileStream?.destroy();
    if (out && !out.closed) {
      const closed = new Promise<void>((resolve) => out!.once('close', () => resolve()));
      out.destroy();
      await closed;
    }
    await rm(path, { force: true });
    throw error;
  }
}
