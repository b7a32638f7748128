import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import {
  clientString,
  idSchema,
  MAX_SEQ,
  messageSchema,
  messageStatusReportSchema,
  nonBlankString,
  pageSchema,
} from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { deleteMessage, editMessage, setReaction } from './changes.ts';
import { getMessage, listMessages, sendMessage } from './messages.ts';
import { searchMyMessages } from './search.ts';
import { messageStatus } from './status.ts';

// The configured limit (default 5000) is checked in the service; this is the hard ceiling.
const text = clientString().min(1).max(65_536);
const messageInput = z.object({ messageId: idSchema });
// One emoji, possibly with modifiers and joiners (family emoji are long).
const emoji = clientString().min(1).max(32);
const seq = z.coerce.number<number>().int().min(0).max(MAX_SEQ);
/** Most attachments one message may carry. */
const MAX_ATTACHMENTS = 10;

export const messagesRouter = {
  send: authedProcedure
    .meta(
      rest(
        'POST',
        '/conversations/{conversationId}/messages',
        'Send a message (idempotent per clientMessageId)',
        {
          errors: {
            403: 'A direct chat where either person blocked the other',
            409: 'clientMessageId already used in another conversation',
          },
        },
      ),
    )
    .input(
      z.strictObject({
        conversationId: idSchema,
        clientMessageId: clientString().min(1).max(64),
        // May be empty when the message carries attachments (checked in the service).
        text: clientString().max(65_536).default(''),
        replyToId: idSchema.nullish(),
        attachments: z.array(idSchema).max(MAX_ATTACHMENTS).optional(),
      }),
    )
    .output(messageSchema)
    .mutation(async ({ ctx, input }) => {
      const message = await sendMessage(ctx.deps, ctx.live.sends, ctx.userId, input);
      await ctx.live.typing.stopAfterSend(ctx.userId, input.conversationId);
      return message;
    }),

  list: authedProcedure
    .meta(
      rest(
        'GET',
        '/conversations/{conversationId}/messages',
        'History by seq (before / after / newest)',
      ),
    )
    .input(
      z.object({
        conversationId: idSchema,
        before: seq.nullish(),
        after: seq.nullish(),
        limit: z.coerce.number<number>().int().min(1).max(100).optional(),
      }),
    )
    .output(z.object({ messages: z.array(messageSchema), hasMore: z.boolean() }))
    .query(({ ctx, input }) => listMessages(ctx.deps, ctx.userId, input)),

  /** Words (prefix match, all required) in your conversations; best match first. */
  search: authedProcedure
    .meta(rest('GET', '/messages/search', 'Search your messages'))
    .input(
      z.object({
        q: nonBlankString(200),
        conversationId: idSchema.nullish(),
        cursor: clientString().max(512).nullish(),
        limit: z.coerce.number<number>().int().min(1).max(100).optional(),
      }),
    )
    .output(pageSchema(messageSchema))
    .query(({ ctx, input }) => searchMyMessages(ctx.deps, ctx.userId, input)),

  /** Delivered/read per recipient and overall. */
  status: authedProcedure
    .meta(rest('GET', '/messages/{messageId}/status', 'Delivered / read per recipient'))
    .input(messageInput)
    .output(messageStatusReportSchema)
    .query(({ ctx, input }) => messageStatus(ctx.deps, ctx.userId, input.messageId)),

  // After `search` and `status`: the REST bridge takes the first path that matches, and
  // /messages/{messageId} would otherwise swallow /messages/search.
  get: authedProcedure
    .meta(rest('GET', '/messages/{messageId}', 'One message'))
    .input(messageInput)
    .output(messageSchema)
    .query(({ ctx, input }) => getMessage(ctx.deps, ctx.userId, input.messageId)),

  edit: authedProcedure
    .meta(
      rest('PATCH', '/messages/{messageId}', 'Edit your message within the edit window', {
        errors: { 403: 'Not your message', 412: 'Edit window passed, or message deleted' },
      }),
    )
    .input(z.strictObject({ messageId: idSchema, text }))
    .output(messageSchema)
    .mutation(({ ctx, input }) => editMessage(ctx.deps, ctx.userId, input)),

  delete: authedProcedure
    .meta(
      rest('DELETE', '/messages/{messageId}', 'Delete your message (tombstone)', {
        errors: { 403: 'Not your message' },
      }),
    )
    .input(messageInput.strict())
    .output(messageSchema)
    .mutation(({ ctx, input }) => deleteMessage(ctx.deps, ctx.userId, input.messageId)),

  react: authedProcedure
    .meta(
      rest('POST', '/messages/{messageId}/reactions', 'Add your reaction', {
        errors: { 412: 'Message deleted' },
      }),
    )
    .input(z.strictObject({ messageId: idSchema, emoji }))
    .output(messageSchema)
    .mutation(({ ctx, input }) => setReaction(ctx.deps, ctx.userId, input, true)),

  unreact: authedProcedure
    .meta(
      rest('DELETE', '/messages/{messageId}/reactions', 'Remove your reaction', {
        errors: { 412: 'Message deleted' },
      }),
    )
    .input(z.strictObject({ messageId: idSchema, emoji }))
    .output(messageSchema)
    .mutation(({ ctx, input }) => setReaction(ctx.deps, ctx.userId, input, false)),
} satisfies TRPCRouterRecord;
