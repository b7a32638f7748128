import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { clientString, fileSchema, idSchema, meSchema } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { deleteAccount } from './delete.ts';
import { exportAccount } from './export.ts';
import { reauthenticate } from './reauth.ts';
import { listSessions, revokeSession } from './sessions.ts';

const sessionSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    lastRefreshedAt: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'Session' });

const exportSchema = z
  .object({
    format: z.literal('parley-export-v1'),
    exportedAt: z.string(),
    profile: meSchema,
    conversations: z.array(
      z.object({
        id: z.string(),
        type: z.enum(['direct', 'group']),
        title: z.string().nullable(),
        contextType: z.string().nullable(),
        contextId: z.string().nullable(),
        role: z.string(),
        joinedAt: z.string(),
        lastReadSeq: z.number().int(),
        mutedUntil: z.string().nullable(),
      }),
    ),
    messages: z.array(
      z.object({
        id: z.string(),
        conversationId: z.string(),
        seq: z.number().int(),
        text: z.string(),
        replyToId: z.string().nullable(),
        createdAt: z.string(),
        editedAt: z.string().nullable(),
        deletedAt: z.string().nullable(),
        attachmentFileIds: z.array(z.string()),
      }),
    ),
    reactions: z.array(
      z.object({ messageId: z.string(), emoji: z.string(), createdAt: z.string() }),
    ),
    files: z.array(fileSchema.extend({ sha256: z.string(), url: z.string() })),
    broadcastLists: z.array(z.object({ id: z.string(), name: z.string(), createdAt: z.string() })),
    blocks: z.array(z.object({ userId: z.string(), blockedAt: z.string() })),
    sessions: z.array(sessionSchema),
  })
  .meta({ id: 'AccountExport' });

const ok = z.object({ ok: z.literal(true) });

/** Merged into the `users` namespace: sessions, export and account deletion. */
export const accountRouter = {
  sessions: authedProcedure
    .meta(
      rest('GET', '/users/me/sessions', 'Your active sessions', {
        description: 'One per login (a refresh-token family), newest activity first.',
      }),
    )
    .output(z.array(sessionSchema))
    .query(({ ctx }) => listSessions(ctx.deps, ctx.userId)),

  revokeSession: authedProcedure
    .meta(
      rest('DELETE', '/users/me/sessions/{sessionId}', 'End one of your sessions', {
        description: 'Its refresh token stops working at once.',
      }),
    )
    .input(z.strictObject({ sessionId: idSchema }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await revokeSession(ctx.deps, ctx.userId, input.sessionId);
      return { ok: true as const };
    }),

  export: authedProcedure
    .meta(
      rest('GET', '/users/me/export', 'Download all your data (JSON)', {
        description:
          'Profile, conversations, your messages and reactions, your files (metadata and ' +
          'download links), blocks, broadcast lists and sessions. Nobody else’s data.',
      }),
    )
    .output(exportSchema)
    .query(({ ctx }) => exportAccount(ctx.deps, ctx.userId)),

  reauthenticate: authedProcedure
    .meta(
      rest('POST', '/users/me/reauthenticate', 'Prove it is you, before deleting the account', {
        description:
          'With your password, or a fresh code from POST /auth/otp sent to your email (one ' +
          'of the two is required). ' +
          'Answers a proof valid for 5 minutes, for DELETE /users/me.',
        errors: { 401: 'Wrong password or code' },
      }),
    )
    .input(
      z.strictObject({
        /** Your password; when given, `code` is ignored. */
        password: clientString().min(1).max(256).optional(),
        code: clientString()
          .regex(/^\d{6}$/, 'must be 6 digits')
          .optional(),
      }),
    )
    .output(z.object({ reauthToken: z.string(), expiresAt: z.number().int() }))
    .mutation(({ ctx, input }) => reauthenticate(ctx.deps, ctx.userId, input)),

  deleteAccount: authedProcedure
    .meta(
      rest('DELETE', '/users/me', 'Delete your account', {
        description:
          'Needs a proof from POST /users/me/reauthenticate (password or email code). ' +
          'What is erased and what is kept: docs/privacy.md.',
        errors: { 401: 'Missing or expired re-authentication' },
      }),
    )
    .input(z.strictObject({ reauthToken: clientString().min(1).max(2048) }))
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await deleteAccount(ctx.deps, ctx.userId, input.reauthToken);
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
