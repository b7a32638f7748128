import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import {
  clientString,
  conversationFileSchema,
  fileSchema,
  idSchema,
  pageSchema,
} from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { deleteFile, getFile, listConversationFiles } from './files.ts';

/**
 * File metadata. The bytes are not here: upload (multipart and tus) and download (Range,
 * ETag, thumbnails) are plain HTTP routes under /api/v1/files in the server.
 */
export const filesRouter = {
  get: authedProcedure
    .meta(rest('GET', '/files/{fileId}/meta', 'File metadata'))
    .input(z.object({ fileId: idSchema }))
    .output(fileSchema)
    .query(({ ctx, input }) => getFile(ctx.deps, ctx.userId, input.fileId)),

  listForConversation: authedProcedure
    .meta(rest('GET', '/conversations/{conversationId}/files', 'Files shared in a conversation'))
    .input(
      z.object({
        conversationId: idSchema,
        cursor: clientString().max(512).nullish(),
        limit: z.coerce.number<number>().int().min(1).max(100).optional(),
      }),
    )
    .output(pageSchema(conversationFileSchema))
    .query(({ ctx, input }) => listConversationFiles(ctx.deps, ctx.userId, input)),

  delete: authedProcedure
    .meta(rest('DELETE', '/files/{fileId}', 'Delete your file (bytes removed, row kept)'))
    .input(z.strictObject({ fileId: idSchema }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteFile(ctx.deps, ctx.userId, input.fileId);
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
