import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { rest } from '../shared/rest.ts';
import {
  clientString,
  conversationSchema,
  draftSchema,
  idSchema,
  MAX_SEQ,
  messageRetentionSchema,
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
import { getDraft, saveDraft } from './drafts.ts';
import { muteConversation, unmuteConversation } from './mute.ts';
import { MAX_PINNED, type OrganizeAction, organizeConversation } from './organize.ts';
import { moveWatermarks } from './receipts.ts';
import { setMessageRetention } from './retention.ts';

const conversationInput = z.object({ conversationId: idSchema });
const watermarkInput = z.object({
  conversationId: idSchema,
  /** Defaults to the conversation's last message. */
  upToSeq: z.number().int().min(0).max(MAX_SEQ).nullish(),
});
const pageInput = z
  .object({
    cursor: clientString().max(512).nullish(),
    limit: z.coerce.number<number>().int().min(1).max(100).optional(),
  })
  .default({});
const organize =
  (action: OrganizeAction) =>
  (opts: { ctx: { deps: ApiDeps; userId: string }; input: { conversationId: string } }) =>
    organizeConversation(opts.ctx.deps, opts.ctx.userId, opts.input.conversationId, action);
const watermarkOutput = receiptSchema.extend({
  unreadCount: z.number().int(),
  unreadMentionCount: z.number().int(),
});

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
    .meta(
      rest('GET', '/conversations', 'Your conversations, most recent activity first', {
        description:
          'Archived conversations are left out (see /conversations/archived); the first page starts with your pinned ones.',
      }),
    )
    .input(pageInput)
    .output(pageSchema(conversationSchema))
    .query(({ ctx, input }) => listConversations(ctx.deps, ctx.userId, input)),

  // Before `get`: the REST bridge takes the first path that matches.
  listArchived: authedProcedure
    .meta(rest('GET', '/conversations/archived', 'Your archived conversations'))
    .input(pageInput)
    .output(pageSchema(conversationSchema))
    .query(({ ctx, input }) =>
      listConversations(ctx.deps, ctx.userId, { ...input, archived: true }),
    ),

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
    .mutation(({ ctx, input }) => moveWatermarks(ctx.live.receipts, ctx.userId, input, 'read')),

  markDelivered: authedProcedure
    .meta(
      rest('POST', '/conversations/{conversationId}/delivered', 'Acknowledge delivery up to a seq'),
    )
    .input(watermarkInput.strict())
    .output(watermarkOutput)
    .mutation(({ ctx, input }) =>
      moveWatermarks(ctx.live.receipts, ctx.userId, input, 'delivered'),
    ),

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

  archive: authedProcedure
    .meta(
      rest('POST', '/conversations/{conversationId}/archive', 'Archive (for you)', {
        description:
          'It returns to the list when a new message arrives, unless muted. Archiving unpins.',
      }),
    )
    .input(conversationInput.strict())
    .output(conversationSchema)
    .mutation(organize('archive')),

  unarchive: authedProcedure
    .meta(rest('DELETE', '/conversations/{conversationId}/archive', 'Unarchive'))
    .input(conversationInput.strict())
    .output(conversationSchema)
    .mutation(organize('unarchive')),

  pin: authedProcedure
    .meta(
      rest('POST', '/conversations/{conversationId}/pin', 'Pin to the top of your list', {
        description: `Pinning unarchives.`,
        errors: { 412: `You already have ${MAX_PINNED} pinned conversations` },
      }),
    )
    .input(conversationInput.strict())
    .output(conversationSchema)
    .mutation(organize('pin')),

  unpin: authedProcedure
    .meta(rest('DELETE', '/conversations/{conversationId}/pin', 'Unpin'))
    .input(conversationInput.strict())
    .output(conversationSchema)
    .mutation(organize('unpin')),

  markUnread: authedProcedure
    .meta(
      rest('POST', '/conversations/{conversationId}/unread', 'Mark as unread (for you)', {
        description: 'Cleared when you next mark it read.',
      }),
    )
    .input(conversationInput.strict())
    .output(conversationSchema)
    .mutation(organize('markUnread')),

  draft: authedProcedure
    .meta(rest('GET', '/conversations/{conversationId}/draft', 'Your draft'))
    .input(conversationInput)
    .output(draftSchema)
    .query(({ ctx, input }) => getDraft(ctx.deps, ctx.userId, input.conversationId)),

  saveDraft: authedProcedure
    .meta(
      rest('PUT', '/conversations/{conversationId}/draft', 'Save your draft ("" clears it)', {
        description: 'Your other devices receive `draft.updated`.',
      }),
    )
    .input(z.strictObject({ conversationId: idSchema, text: clientString().max(20_000) }))
    .output(draftSchema)
    .mutation(({ ctx, input }) => saveDraft(ctx.deps, ctx.userId, input)),
  /**
   * Disappearing messages for everyone in the conversation: a group's admins, or either member
   * of a direct chat. Announced by a system message and `conversation.updated`.
   */
  setRetention: authedProcedure
    .meta(
      rest('PUT', '/conversations/{conversationId}/retention', 'Set disappearing messages', {
        description:
          'Messages older than the period (24h, 7d, 90d) are deleted for everyone, with their files; off keeps them.',
        errors: { 403: 'Only group admins can do this' },
      }),
    )
    .input(z.strictObject({ conversationId: idSchema, retention: messageRetentionSchema }))
    .output(conversationSchema)
    .mutation(({ ctx, input }) => setMessageRetention(ctx.deps, ctx.userId, input)),
} satisfies TRPCRouterRecord;
