import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { idSchema, presenceSchema } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { getPresence } from './presence.ts';

export const presenceRouter = {
  /** Online state and last seen of users who share a conversation with you (others omitted). */
  get: authedProcedure
    .meta(rest('GET', '/presence', 'Online state and last seen of your contacts'))
    .input(z.object({ userIds: z.array(idSchema).min(1).max(200) }))
    .output(z.array(presenceSchema))
    .query(({ ctx, input }) => getPresence(ctx.deps, ctx.userId, input.userIds)),
} satisfies TRPCRouterRecord;
