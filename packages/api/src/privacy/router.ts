import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { meSchema, privacySchema } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { updatePrivacy } from './privacy.ts';

/** Merged into the `users` namespace: `users.updatePrivacy` (read them in `users.me`). */
export const privacyRouter = {
  updatePrivacy: authedProcedure
    .meta(
      rest('PATCH', '/users/me/privacy', 'Change your privacy settings', {
        description:
          'lastSeen: who sees your online state and last seen (everyone you share a chat ' +
          'with, or nobody). readReceipts: when off, others see your receipts as delivered ' +
          'only, and you see theirs as delivered only. Current values are in GET /users/me.',
      }),
    )
    .input(z.strictObject(privacySchema.partial().shape))
    .output(meSchema)
    .mutation(({ ctx, input }) => updatePrivacy(ctx.deps, ctx.userId, input)),
} satisfies TRPCRouterRecord;
