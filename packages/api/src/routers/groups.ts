import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { conversationSchema, idSchema, roleSchema } from '../schemas.ts';
import { addMembers, leaveGroup, removeMember, setRole } from '../services/group-members.ts';
import { createGroup, updateGroup } from '../services/groups.ts';
import { authedProcedure } from '../trpc.ts';

// REST: POST /groups, PATCH /groups/{groupId}, POST /groups/{groupId}/members,
// DELETE /groups/{groupId}/members/{userId}, PUT /groups/{groupId}/members/{userId}/role,
// POST /groups/{groupId}/leave. Group reads go through `conversations` (get, participants).

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(500);
/** The configured member limit is checked in the service; this caps one request. */
const userIds = z.array(idSchema).max(1000);
const ok = z.object({ ok: z.literal(true) });

export const groupsRouter = {
  create: authedProcedure
    .input(
      z.object({
        name,
        userIds,
        description: description.nullish(),
        avatarFileId: idSchema.nullish(),
      }),
    )
    .output(conversationSchema)
    .mutation(({ ctx, input }) => createGroup(ctx.deps, ctx.userId, input)),

  update: authedProcedure
    .input(
      z.object({
        groupId: idSchema,
        name: name.optional(),
        description: description.nullish(),
        avatarFileId: idSchema.nullish(),
      }),
    )
    .output(conversationSchema)
    .mutation(({ ctx, input }) => updateGroup(ctx.deps, ctx.userId, input)),

  addMembers: authedProcedure
    .input(z.object({ groupId: idSchema, userIds: userIds.min(1) }))
    .output(z.object({ addedUserIds: z.array(z.string()) }))
    .mutation(({ ctx, input }) => addMembers(ctx.deps, ctx.userId, input)),

  removeMember: authedProcedure
    .input(z.object({ groupId: idSchema, userId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await removeMember(ctx.deps, ctx.userId, input);
      return { ok: true as const };
    }),

  setRole: authedProcedure
    .input(z.object({ groupId: idSchema, userId: idSchema, role: roleSchema }))
    .output(z.object({ conversationId: z.string(), userId: z.string(), role: roleSchema }))
    .mutation(({ ctx, input }) => setRole(ctx.deps, ctx.userId, input)),

  leave: authedProcedure
    .input(z.object({ groupId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await leaveGroup(ctx.deps, ctx.userId, input);
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
