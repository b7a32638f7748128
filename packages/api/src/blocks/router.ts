import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { idSchema, userSchema } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { blockUser, listBlocks, unblockUser } from './blocks.ts';

const blockSchema = z.object({ user: userSchema, blockedAt: z.string() }).meta({ id: 'Block' });
const ok = z.object({ ok: z.literal(true) });

/** Merged into the `users` namespace: `users.block`, `users.unblock`, `users.blocks`. */
export const blocksRouter = {
  block: authedProcedure
    .meta(
      rest('POST', '/users/{userId}/block', 'Block a user', {
        description:
          'They can no longer open or write to a direct chat with you, and you exchange no ' +
          'presence, typing or read receipts. Group messages still flow; your clients may hide ' +
          'them. The blocked user is never told. Idempotent.',
      }),
    )
    .input(z.strictObject({ userId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await blockUser(ctx.deps, ctx.userId, input.userId);
      return { ok: true as const };
    }),

  unblock: authedProcedure
    .meta(rest('DELETE', '/users/{userId}/block', 'Unblock a user (idempotent)'))
    .input(z.strictObject({ userId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await unblockUser(ctx.deps, ctx.userId, input.userId);
      return { ok: true as const };
    }),

  blocks: authedProcedure
    .meta(rest('GET', '/users/me/blocks', 'The users you blocked'))
    .output(z.array(blockSchema))
    .query(({ ctx }) => listBlocks(ctx.deps, ctx.userId)),
} satisfies TRPCRouterRecord;
