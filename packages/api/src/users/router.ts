import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import {
  clientString,
  idSchema,
  meSchema,
  nonBlankString,
  pageSchema,
  userSchema,
} from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { getMe, getUser, searchUsers, updateMe } from './users.ts';

export const usersRouter = {
  me: authedProcedure
    .meta(rest('GET', '/users/me', 'Your profile'))
    .output(meSchema)
    .query(({ ctx }) => getMe(ctx.deps, ctx.userId)),

  updateMe: authedProcedure
    .meta(rest('PATCH', '/users/me', 'Update your profile'))
    .input(
      z.strictObject({
        displayName: nonBlankString(64).optional(),
        about: clientString().max(500).optional(),
        /** One of the caller's own uploaded images, or null to remove the avatar. */
        avatarFileId: idSchema.nullable().optional(),
      }),
    )
    .output(meSchema)
    .mutation(({ ctx, input }) => updateMe(ctx.deps, ctx.userId, input)),

  get: authedProcedure
    .meta(rest('GET', '/users/{userId}', "A user's public profile"))
    .input(z.object({ userId: idSchema }))
    .output(userSchema)
    .query(({ ctx, input }) => getUser(ctx.deps, input.userId)),

  search: authedProcedure
    .meta(rest('GET', '/users', 'Find users by name prefix or exact email'))
    .input(
      z.object({
        q: nonBlankString(100),
        cursor: clientString().max(512).nullish(),
        limit: z.coerce.number<number>().int().min(1).max(100).optional(),
      }),
    )
    .output(pageSchema(userSchema))
    .query(({ ctx, input }) => searchUsers(ctx.deps, ctx.userId, input)),
} satisfies TRPCRouterRecord;
