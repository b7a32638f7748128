import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../rest.ts';
import { idSchema, presenceSchema } from '../schemas.ts';
import { getPresence } from '../services/presence.ts';
import { authedProcedure } from '../trpc.ts';

export const presenceRouter = {
  /** Online state and last seen of users who share a conversation with you (others omitted). */
  get: authedProcedure
    .meta(rest('GET', '/presence', 'Online state and last seen of your contacts'))
    .input(z.object({ userIds: z.array(idSchema).min(1).max(200) }))
    .output(z.array(presenceSchema))
    .query(({ ctx, input }) => getPresence(ctx.deps, ctx.userId, input.userIds)),
} satisfies TRPCRouterRecord;
