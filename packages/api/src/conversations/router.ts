import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import {
  clientString,
  conversationSchema,
  idSchema,
  MAX_SEQ,
  pageSchema,
  participantSchema,
  receiptSchema,
} from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import {
  getConversation,
  listConversations,
  listParticipants,
  openDirect,
} from './conversations.ts';
import { muteConversation, unmuteConversation } from './mute.ts';
import { moveWatermarks } from './receipts.ts';

const conversationInput = z.object({ conversationId: idSchema });
const watermarkInput = z.object({
  conversationId: idSchema,
  /** Defaults to the conversation's last message. */
  upToSeq: z.number().int().min(0).max(MAX_SEQ).nullish(),
});
const watermarkOutput = receiptSchema.extend({ unreadCount: z.number().int() });

export const conversationsRouter = {
  openDirect: authedProcedure
    .meta(
      rest('POST', '/conversations', 'Open (or get) the direct chat with a user', {
        errors: { 403: 'You cannot message this user' },
      }),
    )
    .input(
      z.strictObject({
        userId: idSchema,
        context: z
          .strictObject({ type: clientString().min(1).max(64), id: clientString().min(1).max(128) })
          .optional(),
      }),
    )
    .output(conversationSchema)
    .mutation(({ ctx, input }) => openDirect(ctx.deps, ctx.userId, input)),

  list: authedProcedure
    .meta(rest('GET', '/conversations', 'Your conversations, most recent activity first'))
    .input(
      z
        .object({
          cursor: clientString().max(512).nullish(),
          limit: z.coerce.number<number>().int().min(1).max(100).optional(),
        })
        .default({}),
    )
    .output(pageSchema(conversationSchema))
    .query(({ ctx, input }) => listConversations(ctx.deps, ctx.userId, input)),

  get: authedProcedure
    .meta(rest('GET', '/conversations/{conversationId}', 'One conversation'))
    .input(conversationInput)
    .output(conversationSchema)
    .query(({ ctx, input }) => getConversation(ctx.deps, ctx.userId, input.conversationId)),

  participants: authedProcedure
    .meta(
      rest('GET', '/conversations/{conversationId}/participants', 'Members with their receipts'),
    )
    .input(conversationInput)
    .output(z.array(participantSchema))
    .query(({ ctx, input }) => listParticipants(ctx.deps, ctx.userId, input.conversationId)),

  markRead: authedProcedure
    .meta(rest('POST', '/conversations/{conversationId}/read', 'Move your read watermark'))
    .input(watermarkInput.strict())
    .output(watermarkOutput)
    .mutation(({ ctx, input }) => moveWatermarks(ctx.deps, ctx.userId, input, 'read')),

  markDelivered: authedProcedure
    .meta(
      rest('POST', '/conversations/{conversationId}/delivered', 'Acknowledge delivery up to a seq'),
    )
    .input(watermarkInput.strict())
    .output(watermarkOutput)
    .mutation(({ ctx, input }) => moveWatermarks(ctx.deps, ctx.userId, input, 'delivered')),

  /** No offline notifications from this conversation for the caller, until `until` or unmute. */
  mute: authedProcedure
    .meta(rest('POST', '/conversations/{conversationId}/mute', 'Mute offline notifications'))
    .input(
      z.strictObject({
        conversationId: idSchema,
        until: z.iso.datetime({ offset: true }).nullish(),
      }),
    )
    .output(conversationSchema)
    .mutation(({ ctx, input }) => muteConversation(ctx.deps, ctx.userId, input)),

  unmute: authedProcedure
    .meta(rest('DELETE', '/conversations/{conversationId}/mute', 'Unmute offline notifications'))
    .input(conversationInput.strict())
    .output(conversationSchema)
    .mutation(({ ctx, input }) => unmuteConversation(ctx.deps, ctx.userId, input.conversationId)),
} satisfies TRPCRouterRecord;
