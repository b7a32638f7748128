import { fileSchema } from '@parley/api';
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';

// The byte routes are plain Hono routes (the bridge has no multipart), described here by hand.

const error = z
  .object({ code: z.string(), message: z.string() })
  .meta({ id: 'Error', description: 'Every REST error: an HTTP status plus this body.' });
const errors = (codes: Record<number, string>) =>
  Object.fromEntries(
    Object.entries(codes).map(([status, description]) => [
      status,
      { description, content: { 'application/json': { schema: error } } },
    ]),
  );
const fileId = z.string().meta({ description: 'File id', example: '01JF0000000000000000000000' });
const bearer = [{ Authorization: [] }];
const signedQuery = z.object({
  expires: z.string().optional().meta({ description: 'From a signed URL: expiry (Unix seconds)' }),
  signature: z.string().optional().meta({ description: 'From a signed URL: its HMAC' }),
});
const binary = { schema: z.string().meta({ format: 'binary' }) };
const uploadId = z
  .string()
  .regex(/^[0-9A-Za-z]{1,64}$/)
  .meta({ description: 'Upload id' });
// tus 1.0 headers, required on every tus request but OPTIONS.
const tusResumable = z.literal('1.0.0').meta({ description: 'tus protocol version' });
const tusHeaders = {
  'Tus-Resumable': { description: 'tus protocol version', schema: { type: 'string' as const } },
};
const noBody = (description: string) => ({ description, headers: tusHeaders });

export const filePaths: ZodOpenApiPathsObject = {
  '/files': {
    post: {
      operationId: 'files-upload',
      tags: ['files'],
      summary: 'Upload a file (multipart/form-data, field `file`)',
      description:
        'Streamed to storage. The content type is detected from the bytes; a declared type that contradicts them is refused. Images get width, height, a BlurHash placeholder and thumbnails.',
      security: bearer,
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: z.object({ file: z.string().meta({ format: 'binary' }) }),
          },
        },
      },
      responses: {
        201: { description: 'Stored', content: { 'application/json': { schema: fileSchema } } },
        ...errors({
          400: 'No file part',
          401: 'Not authenticated',
          413: 'Larger than UPLOAD_MAX_BYTES',
          415: 'Declared type contradicts the bytes',
          422: 'Image over IMAGE_MAX_PIXELS or undecodable',
        }),
      },
    },
  },
  '/files/{fileId}': {
    get: {
      operationId: 'files-download',
      tags: ['files'],
      summary: 'Download the bytes (Range, ETag, If-None-Match)',
      description:
        'With the bearer token, or with `expires` and `signature` from `GET /files/{fileId}/url` instead (403 when the link is invalid or expired).',
      security: [...bearer, {}],
      requestParams: {
        path: z.object({ fileId }),
        query: signedQuery,
        header: z.object({
          range: z.string().optional().meta({ example: 'bytes=0-1023' }),
          'if-none-match': z.string().optional(),
        }),
      },
      responses: {
        200: {
          description: 'The whole file, with the content type detected at upload',
          content: { '*/*': binary },
        },
        206: { description: 'The requested range', content: { '*/*': binary } },
        302: { description: 'Redirect to a short-lived presigned S3 URL (when enabled)' },
        304: { description: 'Not modified (ETag matched)' },
        ...errors({
          401: 'Not authenticated',
          403: 'Invalid or expired signed link',
          404: 'Not found or not visible to you',
          416: 'Range not satisfiable',
        }),
      },
    },
  },
  '/files/{fileId}/url': {
    get: {
      operationId: 'files-url',
      tags: ['files'],
      summary: 'A short-lived signed download URL (works without a bearer header)',
      description:
        'For `<img src>` and plain links: the URL downloads this one file (or, with `thumbnail`, that one thumbnail size) until `expiresAt` (`FILE_URL_TTL_SECONDS`), and nothing else. It is an HMAC-SHA256 over the file id, the variant and the expiry, with a key derived from the server secret. Access is checked when the URL is issued; a deleted file answers 404 through it. Relative to the server unless `PUBLIC_URL` is set.',
      security: bearer,
      requestParams: {
        path: z.object({ fileId }),
        query: z.object({ thumbnail: z.enum(['64', '256', '1024']).optional() }),
      },
      responses: {
        200: {
          description: 'The URL and when it stops working',
          content: {
            'application/json': {
              schema: z
                .object({ url: z.string(), expiresAt: z.iso.datetime() })
                .meta({ id: 'FileUrl' }),
            },
          },
        },
        ...errors({
          400: 'thumbnail is not a number',
          401: 'Not authenticated',
          404: 'Not found, no such thumbnail, or not visible to you',
        }),
      },
    },
  },
  '/files/{fileId}/thumbnail/{size}': {
    get: {
      operationId: 'files-thumbnail',
      tags: ['files'],
      summary: 'An image thumbnail (WebP) at 64, 256 or 1024 px',
      description:
        'With the bearer token, or a signed URL from `GET /files/{fileId}/url?thumbnail=`.',
      security: [...bearer, {}],
      requestParams: {
        path: z.object({ fileId, size: z.enum(['64', '256', '1024']) }),
        query: signedQuery,
      },
      responses: {
        200: { description: 'The thumbnail', content: { 'image/webp': binary } },
        ...errors({
          401: 'Not authenticated',
          403: 'Invalid or expired signed link',
          404: 'Not found, not an image, or not visible to you',
        }),
      },
    },
  },
  '/uploads': {
    post: {
      operationId: 'files-tus-create',
      tags: ['files'],
      summary: 'Start a resumable upload (tus 1.0 creation)',
      description:
        'Headers: `Tus-Resumable: 1.0.0`, `Upload-Length`, optional `Upload-Metadata` (filename, filetype, base64). Answers 201 with `Location`; continue with HEAD/PATCH on it.',
      security: bearer,
      requestParams: {
        header: z.object({
          'tus-resumable': tusResumable,
          'upload-length': z
            .string()
            .regex(/^\d{1,16}$/)
            .meta({ description: 'Total size in bytes' }),
          'upload-metadata': z
            .string()
            .optional()
            .meta({ description: 'filename, filetype (base64)' }),
        }),
      },
      responses: {
        201: {
          description: 'Created; `Location` is the upload URL',
          headers: { ...tusHeaders, Location: { schema: { type: 'string' as const } } },
        },
        400: noBody('Missing or invalid tus headers'),
        412: noBody('Unsupported Tus-Resumable version'),
        ...errors({ 401: 'Not authenticated', 413: 'Larger than UPLOAD_MAX_BYTES' }),
      },
    },
  },
  '/uploads/{uploadId}': {
    head: {
      operationId: 'files-tus-offset',
      tags: ['files'],
      summary: 'Where to resume: `Upload-Offset`',
      security: bearer,
      requestParams: {
        path: z.object({ uploadId }),
        header: z.object({ 'tus-resumable': tusResumable }),
      },
      responses: {
        200: {
          description: 'Upload-Offset header',
          headers: { ...tusHeaders, 'Upload-Offset': { schema: { type: 'string' as const } } },
        },
        401: { description: 'Not authenticated (no body)' },
        404: noBody('No such upload'),
        412: noBody('Unsupported Tus-Resumable version'),
      },
    },
    patch: {
      operationId: 'files-tus-append',
      tags: ['files'],
      summary: 'Append bytes at `Upload-Offset` (application/offset+octet-stream)',
      description:
        'The final PATCH answers 200 with the stored file as JSON and a `Parley-File-Id` header.',
      security: bearer,
      requestParams: {
        path: z.object({ uploadId }),
        header: z.object({
          'tus-resumable': tusResumable,
          'upload-offset': z
            .string()
            .regex(/^\d{1,16}$/)
            .meta({ description: 'Where these bytes go' }),
        }),
      },
      requestBody: { content: { 'application/offset+octet-stream': binary } },
      responses: {
        200: {
          description: 'Upload complete',
          content: { 'application/json': { schema: fileSchema } },
        },
        204: noBody('Bytes appended; more to come'),
        400: noBody('Missing or invalid tus headers'),
        412: noBody('Unsupported Tus-Resumable version'),
        ...errors({
          401: 'Not authenticated',
          404: 'No such upload',
          409: 'Offset mismatch',
          413: 'Too large',
          415: 'Refused content',
          422: 'Refused image',
        }),
      },
    },
    delete: {
      operationId: 'files-tus-terminate',
      tags: ['files'],
      summary: 'Abandon an unfinished resumable upload (tus termination)',
      security: bearer,
      requestParams: {
        path: z.object({ uploadId }),
        header: z.object({ 'tus-resumable': tusResumable }),
      },
      responses: {
        204: noBody('Removed'),
        412: noBody('Unsupported Tus-Resumable version'),
        ...errors({ 401: 'Not authenticated', 404: 'No such upload' }),
      },
    },
  },
};
