import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import {
  clientString,
  conversationSchema,
  idSchema,
  nonBlankString,
  roleSchema,
} from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { deleteGroup } from './delete.ts';
import { createGroup, updateGroup } from './groups.ts';
import { addMembers, leaveGroup, removeMember, setRole } from './members.ts';

// Group reads go through `conversations` (get, participants) and `messages`.

const name = nonBlankString(100);
const description = clientString().trim().max(500);
/** The configured member limit is checked in the service; this caps one request. */
const userIds = z.array(idSchema).max(1000);
const ok = z.object({ ok: z.literal(true) });
const ADMIN_ONLY = { 403: 'Only group admins can do this' };

export const groupsRouter = {
  create: authedProcedure
    .meta(rest('POST', '/groups', 'Create a group; you are its first admin'))
    .input(
      z.strictObject({
        name,
        userIds,
        description: description.nullish(),
        avatarFileId: idSchema.nullish(),
      }),
    )
    .output(conversationSchema)
    .mutation(({ ctx, input }) => createGroup(ctx.deps, ctx.userId, input)),

  update: authedProcedure
    .meta(
      rest('PATCH', '/groups/{groupId}', 'Rename a group, or change its description or avatar', {
        errors: ADMIN_ONLY,
      }),
    )
    .input(
      z.strictObject({
        groupId: idSchema,
        name: name.optional(),
        description: description.nullish(),
        avatarFileId: idSchema.nullish(),
      }),
    )
    .output(conversationSchema)
    .mutation(({ ctx, input }) => updateGroup(ctx.deps, ctx.userId, input)),

  addMembers: authedProcedure
    .meta(
      rest('POST', '/groups/{groupId}/members', 'Add members (users already in are skipped)', {
        errors: { ...ADMIN_ONLY, 412: 'The group would exceed GROUP_MAX_MEMBERS' },
      }),
    )
    .input(z.strictObject({ groupId: idSchema, userIds: userIds.min(1) }))
    .output(z.object({ addedUserIds: z.array(z.string()) }))
    .mutation(({ ctx, input }) => addMembers(ctx.deps, ctx.userId, input)),

  removeMember: authedProcedure
    .meta(
      rest('DELETE', '/groups/{groupId}/members/{userId}', 'Remove a member', {
        errors: ADMIN_ONLY,
      }),
    )
    .input(z.strictObject({ groupId: idSchema, userId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await removeMember(ctx.deps, ctx.userId, input);
      return { ok: true as const };
    }),

  setRole: authedProcedure
    .meta(
      rest('PUT', '/groups/{groupId}/members/{userId}/role', 'Make a member admin or member', {
        errors: { ...ADMIN_ONLY, 412: 'The last admin cannot step down' },
      }),
    )
    .input(z.strictObject({ groupId: idSchema, userId: idSchema, role: roleSchema }))
    .output(z.object({ conversationId: z.string(), userId: z.string(), role: roleSchema }))
    .mutation(({ ctx, input }) => setRole(ctx.deps, ctx.userId, input)),

  leave: authedProcedure
    .meta(
      rest('POST', '/groups/{groupId}/leave', 'Leave a group', {
        description: 'When the last admin leaves, the longest-standing member becomes admin.',
      }),
    )
    .input(z.strictObject({ groupId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await leaveGroup(ctx.deps, ctx.userId, input);
      return { ok: true as const };
    }),

  delete: authedProcedure
    .meta(
      rest('DELETE', '/groups/{groupId}', 'Delete the group and its history for everyone', {
        description: 'Every member receives `conversation.deleted`.',
        errors: ADMIN_ONLY,
      }),
    )
    .input(z.strictObject({ groupId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteGroup(ctx.deps, ctx.userId, input);
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
