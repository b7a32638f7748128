import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../context.ts';
import { rest } from '../shared/rest.ts';
import type { MessageDto } from '../shared/schemas.ts';
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
import { forwardMessage, MAX_FORWARD_TARGETS } from './forward.ts';
import { MAX_MENTIONS } from './mentions.ts';
import { getMessage, listMessages, sendMessage } from './messages.ts';
import { listPins, pinMessage, unpinMessage } from './pins.ts';
import { searchMyMessages } from './search.ts';
import type { SendInput } from './send-batch.ts';
import { messageStatus } from './status.ts';
import { getThread, readThread } from './threads.ts';

// The configured limit (default 5000) is checked in the service; this is the hard ceiling.
const text = clientString().min(1).max(65_536);
const messageInput = z.object({ messageId: idSchema });
// One emoji, possibly with modifiers and joiners (family emoji are long).
const emoji = clientString().min(1).max(32);
const seq = z.coerce.number<number>().int().min(0).max(MAX_SEQ);
/** A seq in a JSON body: a number, never coerced (query strings above are text by nature). */
const bodySeq = z.number().int().min(0).max(MAX_SEQ);
/** Most attachments one message may carry. */
const MAX_ATTACHMENTS = 10;
/** A mention as a client sends it: checked against the text and the members in the service. */
const mentionInput = z.strictObject({
  /** A member's id, or "everyone" (group admins only). */
  userId: idSchema,
  start: z.number().int().min(0).max(65_536),
  length: z.number().int().min(1).max(65_536),
});
const mentions = z.array(mentionInput).max(MAX_MENTIONS);
const pinSchema = z
  .object({ message: messageSchema, pinnedBy: z.string(), pinnedAt: z.string() })
  .meta({ id: 'Pin' });
const threadRead = z.object({
  rootId: z.string(),
  lastReadSeq: z.number().int(),
  unreadCount: z.number().int(),
});

/** `messages.send`'s resolver. */
async function send(
  ctx: Pick<Context, 'deps' | 'live'>,
  userId: string,
  input: SendInput,
): Promise<MessageDto> {
  const message = await sendMessage(ctx.deps, ctx.live.sends, userId, input);
  await ctx.live.typing.stopAfterSend(userId, input.conversationId);
  return message;
}

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
        mentions: mentions.optional(),
        /** Reply in the thread of this message (a root, not itself a thread reply). */
        threadRootId: idSchema.nullish(),
        /** A thread reply that also shows in the conversation's history. */
        alsoSendToConversation: z.boolean().optional(),
        /** No link preview for this message (previews may also be off on the server). */
        noPreview: z.boolean().optional(),
      }),
    )
    .output(messageSchema)
    .mutation(({ ctx, input }) => send(ctx, ctx.userId, input)),

  list: authedProcedure
    .meta(
      rest(
        'GET',
        '/conversations/{conversationId}/messages',
        'History by seq (before / after / around a message / newest)',
      ),
    )
    .input(
      z.object({
        conversationId: idSchema,
        before: seq.nullish(),
        after: seq.nullish(),
        /** A page around this seq: it and older messages, then newer ones. */
        around: seq.nullish(),
        /** A page around this message (to open a search hit or reply target in context). */
        aroundMessageId: idSchema.nullish(),
        limit: z.coerce.number<number>().int().min(1).max(100).optional(),
      }),
    )
    .output(
      z.object({
        messages: z.array(messageSchema),
        hasMore: z.boolean(),
        /** Pages around a message only: whether newer messages follow. */
        hasMoreAfter: z.boolean().optional(),
      }),
    )
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

  thread: authedProcedure
    .meta(rest('GET', '/messages/{messageId}/thread', "A thread's root and replies, oldest first"))
    .input(
      z.object({
        /** The root, or any reply of the thread. */
        messageId: idSchema,
        /** Replies after this seq (the last reply of the previous page). */
        after: seq.nullish(),
        limit: z.coerce.number<number>().int().min(1).max(100).optional(),
      }),
    )
    .output(
      z
        .object({
          root: messageSchema,
          replies: z.array(messageSchema),
          hasMore: z.boolean(),
          lastReadSeq: z.number().int(),
          unreadCount: z.number().int(),
        })
        .meta({ id: 'ThreadPage' }),
    )
    .query(({ ctx, input }) => getThread(ctx.deps, ctx.userId, input)),

  readThread: authedProcedure
    .meta(rest('POST', '/messages/{messageId}/thread/read', 'Mark a thread read'))
    .input(z.strictObject({ messageId: idSchema, upToSeq: bodySeq.nullish() }))
    .output(threadRead)
    .mutation(({ ctx, input }) => readThread(ctx.deps, ctx.userId, input)),

  pins: authedProcedure
    .meta(rest('GET', '/conversations/{conversationId}/pins', 'Pinned messages, newest pin first'))
    .input(z.object({ conversationId: idSchema }))
    .output(z.object({ items: z.array(pinSchema) }))
    .query(async ({ ctx, input }) => ({
      items: await listPins(ctx.deps, ctx.userId, input.conversationId),
    })),

  pin: authedProcedure
    .meta(
      rest('POST', '/messages/{messageId}/pin', 'Pin a message', {
        errors: {
          403: 'Groups: only admins pin',
          412: 'Message deleted, or the conversation has 50 pins',
        },
      }),
    )
    .input(messageInput.strict())
    .output(pinSchema)
    .mutation(({ ctx, input }) => pinMessage(ctx.deps, ctx.userId, input.messageId)),

  unpin: authedProcedure
    .meta(
      rest('DELETE', '/messages/{messageId}/pin', 'Unpin a message', {
        errors: { 403: 'Groups: only admins unpin' },
      }),
    )
    .input(messageInput.strict())
    .output(z.object({ messageId: z.string(), pinned: z.boolean() }))
    .mutation(({ ctx, input }) => unpinMessage(ctx.deps, ctx.userId, input.messageId)),

  forward: authedProcedure
    .meta(
      rest('POST', '/messages/{messageId}/forward', 'Forward a message to your conversations', {
        errors: { 412: 'Message deleted or a system message' },
      }),
    )
    .input(
      z.strictObject({
        messageId: idSchema,
        conversationIds: z.array(idSchema).min(1).max(MAX_FORWARD_TARGETS),
        /** One id for the whole forward: a retry stores nothing twice. */
        clientMessageId: clientString().min(1).max(64),
      }),
    )
    .output(z.object({ messages: z.array(messageSchema) }))
    .mutation(async ({ ctx, input }) => ({
      messages: await forwardMessage(ctx.deps, ctx.live.sends, ctx.userId, input),
    })),

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
    .input(
      z.strictObject({
        messageId: idSchema,
        text,
        /** The edited text's mentions (none when left out). */
        mentions: mentions.optional(),
      }),
    )
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
