import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { idSchema } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';

export const typingRouter = {
  /** Call with `true` every few seconds while typing; it expires after the typing TTL. */
  set: authedProcedure
    .meta(rest('POST', '/conversations/{conversationId}/typing', 'Start or stop typing'))
    .input(z.strictObject({ conversationId: idSchema, isTyping: z.boolean() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.live.typing.set(ctx.userId, input.conversationId, input.isTyping);
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
