import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import {
  broadcastSchema,
  broadcastSendSchema,
  clientString,
  idSchema,
  nonBlankString,
  pageSchema,
} from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { createBroadcast, deleteBroadcast, listBroadcasts, updateBroadcast } from './broadcasts.ts';
import { sendBroadcast } from './send.ts';
import { broadcastSendStatus } from './status.ts';

const name = nonBlankString(100);
/** The configured recipient limit (default 256) is checked in the service; this caps a request. */
const recipientIds = z.array(idSchema).min(1).max(1000);
const broadcastInput = z.object({ broadcastId: idSchema });

export const broadcastsRouter = {
  create: authedProcedure
    .meta(rest('POST', '/broadcasts', 'Create a broadcast list'))
    .input(z.strictObject({ name, recipientIds }))
    .output(broadcastSchema)
    .mutation(({ ctx, input }) => createBroadcast(ctx.deps, ctx.userId, input)),

  list: authedProcedure
    .meta(rest('GET', '/broadcasts', 'Your broadcast lists, newest first'))
    .input(
      z
        .object({
          cursor: clientString().max(512).nullish(),
          limit: z.coerce.number<number>().int().min(1).max(100).optional(),
        })
        .default({}),
    )
    .output(pageSchema(broadcastSchema))
    .query(({ ctx, input }) => listBroadcasts(ctx.deps, ctx.userId, input)),

  update: authedProcedure
    .meta(rest('PATCH', '/broadcasts/{broadcastId}', 'Rename a list or replace its recipients'))
    .input(
      z.strictObject({
        broadcastId: idSchema,
        name: name.optional(),
        recipientIds: recipientIds.optional(),
      }),
    )
    .output(broadcastSchema)
    .mutation(({ ctx, input }) => updateBroadcast(ctx.deps, ctx.userId, input)),

  delete: authedProcedure
    .meta(rest('DELETE', '/broadcasts/{broadcastId}', 'Delete a list (its messages stay)'))
    .input(broadcastInput.strict())
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteBroadcast(ctx.deps, ctx.userId, input.broadcastId);
      return { ok: true as const };
    }),

  send: authedProcedure
    .meta(
      rest('POST', '/broadcasts/{broadcastId}/messages', 'Send to every recipient', {
        description:
          'Each recipient gets the text in their direct chat with you. Idempotent per clientMessageId.',
        errors: {
          403: 'Nobody on the list can receive it (blocks between you and every recipient)',
          409: 'clientMessageId already used for another list',
        },
      }),
    )
    .input(
      z.strictObject({
        broadcastId: idSchema,
        clientMessageId: clientString().min(1).max(64),
        // The configured limit (default 5000) is checked in the service.
        text: clientString().min(1).max(65_536),
      }),
    )
    .output(broadcastSendSchema)
    .mutation(({ ctx, input }) => sendBroadcast(ctx.deps, ctx.userId, input)),

  /** Per-recipient receipts of one send (the `id` that `send` returned). */
  status: authedProcedure
    .meta(
      rest(
        'GET',
        '/broadcasts/{broadcastId}/messages/{sendId}',
        'Per-recipient receipts of one send',
      ),
    )
    .input(z.object({ broadcastId: idSchema, sendId: idSchema }))
    .output(broadcastSendSchema)
    .query(({ ctx, input }) =>
      broadcastSendStatus(ctx.deps, ctx.userId, input.broadcastId, input.sendId),
    ),
} satisfies TRPCRouterRecord;
