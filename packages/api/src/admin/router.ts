import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { LiveServices } from '../context.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../integrations/api-keys.ts';
import {
  apiKeySchema,
  createdApiKeySchema,
  createdWebhookSchema,
  updatedWebhookSchema,
  webhookDeliverySchema,
  webhookEventTypeSchema,
  webhookSchema,
  webhookUrlSchema,
} from '../integrations/schemas.ts';
import {
  createWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  listWebhooks,
  updateWebhook,
} from '../integrations/webhooks.ts';
import { listReports, resolveReport } from '../reports/queue.ts';
import { reportActionSchema, reportSchema } from '../reports/schemas.ts';
import { rest } from '../shared/rest.ts';
import { clientString, idSchema, nonBlankString, pageSchema } from '../shared/schemas.ts';
import { listAudit } from './audit.ts';
import { banUser, unbanUser } from './bans.ts';
import { deleteMessageAsModerator } from './messages.ts';
import { adminProcedure, moderatorProcedure } from './roles.ts';
import {
  adminUserSchema,
  auditEntrySchema,
  banInputSchema,
  pageQuery,
  serverRoleSchema,
} from './schemas.ts';
import { searchUsersByEmail, setServerRole } from './users.ts';

const FORBIDDEN = { 403: 'Not a moderator (or admin)' };
const ADMINS = { 403: 'Not an admin' };
const webhookEvents = z.array(webhookEventTypeSchema).min(1).max(20);
const webhookDescription = clientString().trim().max(500);
const live = (ctx: { live: LiveServices }) => ctx.live;

/** /api/v1/admin/...: moderators and admins only (see docs/moderation.md). */
export const adminRouter = {
  reports: moderatorProcedure
    .meta(rest('GET', '/admin/reports', 'The report queue (oldest first)', { errors: FORBIDDEN }))
    .input(z.object({ status: z.enum(['open', 'resolved', 'all']).optional(), ...pageQuery }))
    .output(pageSchema(reportSchema))
    .query(({ ctx, input }) => listReports(ctx.deps, input)),

  resolveReport: moderatorProcedure
    .meta(
      rest('POST', '/admin/reports/{reportId}/resolve', 'Close a report with an action', {
        description:
          'dismiss; delete_message (the reported message, removed by a moderator); ban_user (the reported person or the sender, until `banUntil` or unbanned).',
        errors: { ...FORBIDDEN, 412: 'Already resolved' },
      }),
    )
    .input(
      z.strictObject({
        reportId: idSchema,
        action: reportActionSchema,
        note: clientString().trim().max(500).optional(),
        banUntil: z.iso.datetime().optional(),
      }),
    )
    .output(reportSchema)
    .mutation(({ ctx, input }) =>
      resolveReport(ctx.deps, live(ctx), { userId: ctx.userId, role: ctx.role }, input),
    ),

  users: moderatorProcedure
    .meta(rest('GET', '/admin/users', 'Find accounts by email', { errors: FORBIDDEN }))
    .input(z.object({ q: nonBlankString(320), ...pageQuery }))
    .output(pageSchema(adminUserSchema))
    .query(({ ctx, input }) => searchUsersByEmail(ctx.deps, input)),

  ban: moderatorProcedure
    .meta(
      rest('POST', '/admin/users/{userId}/ban', 'Ban an account', {
        description:
          "The user's calls, live streams (WebSocket and SSE), logins, one-time codes and refreshes are refused at once with FORBIDDEN.",
        errors: { 403: 'Not a moderator, or the target outranks you' },
      }),
    )
    .input(banInputSchema)
    .output(adminUserSchema)
    .mutation(({ ctx, input }) =>
      banUser(ctx.deps, live(ctx), { userId: ctx.userId, role: ctx.role }, input),
    ),

  unban: moderatorProcedure
    .meta(rest('DELETE', '/admin/users/{userId}/ban', 'Lift a ban', { errors: FORBIDDEN }))
    .input(z.object({ userId: idSchema }))
    .output(adminUserSchema)
    .mutation(({ ctx, input }) =>
      unbanUser(ctx.deps, live(ctx), { userId: ctx.userId, role: ctx.role }, input.userId),
    ),

  setRole: adminProcedure
    .meta(rest('PUT', '/admin/users/{userId}/role', 'Set a server role', { errors: ADMINS }))
    .input(z.strictObject({ userId: idSchema, role: serverRoleSchema }))
    .output(adminUserSchema)
    .mutation(({ ctx, input }) => setServerRole(ctx.deps, ctx.userId, input)),

  deleteMessage: moderatorProcedure
    .meta(
      rest('DELETE', '/admin/messages/{messageId}', 'Remove any message', {
        description: "Tombstoned like a soft delete, with `deletedBy: 'moderator'`.",
        errors: FORBIDDEN,
      }),
    )
    .input(z.object({ messageId: idSchema }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteMessageAsModerator(ctx.deps, ctx.userId, input.messageId)),

  audit: moderatorProcedure
    .meta(rest('GET', '/admin/audit', 'The audit log (newest first)', { errors: FORBIDDEN }))
    .input(z.object(pageQuery))
    .output(pageSchema(auditEntrySchema))
    .query(({ ctx, input }) => listAudit(ctx.deps, input)),

  createApiKey: adminProcedure
    .meta(
      rest('POST', '/admin/api-keys', 'Create an API key and its bot user', {
        description: 'The answer holds the key; it is stored hashed and never shown again.',
        errors: ADMINS,
      }),
    )
    .input(z.strictObject({ name: nonBlankString(64) }))
    .output(createdApiKeySchema)
    .mutation(({ ctx, input }) => createApiKey(ctx.deps, ctx.userId, input)),

  apiKeys: adminProcedure
    .meta(rest('GET', '/admin/api-keys', 'API keys (never their secrets)', { errors: ADMINS }))
    .output(z.object({ items: z.array(apiKeySchema) }))
    .query(({ ctx }) => listApiKeys(ctx.deps)),

  revokeApiKey: adminProcedure
    .meta(
      rest('DELETE', '/admin/api-keys/{keyId}', 'Revoke an API key at once', { errors: ADMINS }),
    )
    .input(z.object({ keyId: idSchema }))
    .output(apiKeySchema)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.deps, live(ctx), ctx.userId, input.keyId)),

  createWebhook: adminProcedure
    .meta(
      rest('POST', '/admin/webhooks', 'Create an integration webhook', {
        description:
          'Signed POSTs of the chosen event types (see docs/webhooks.md). The answer holds the signing secret; it is never shown again.',
        errors: ADMINS,
      }),
    )
    .input(
      z.strictObject({
        url: webhookUrlSchema,
        events: webhookEvents,
        description: webhookDescription.optional(),
      }),
    )
    .output(createdWebhookSchema)
    .mutation(({ ctx, input }) => createWebhook(ctx.deps, ctx.userId, input)),

  webhooks: adminProcedure
    .meta(
      rest('GET', '/admin/webhooks', 'Integration webhooks (never their secrets)', {
        errors: ADMINS,
      }),
    )
    .output(z.object({ items: z.array(webhookSchema) }))
    .query(({ ctx }) => listWebhooks(ctx.deps)),

  updateWebhook: adminProcedure
    .meta(
      rest('PATCH', '/admin/webhooks/{webhookId}', 'Change, enable, disable or re-key a webhook', {
        description:
          '`enabled: true` resumes a disabled webhook (its failure count starts over; it receives events from now on plus the deliveries it still owed). `rotateSecret: true` answers the new secret once.',
        errors: ADMINS,
      }),
    )
    .input(
      z.strictObject({
        webhookId: idSchema,
        url: webhookUrlSchema.optional(),
        events: webhookEvents.optional(),
        description: webhookDescription.optional(),
        enabled: z.boolean().optional(),
        rotateSecret: z.boolean().optional(),
      }),
    )
    .output(updatedWebhookSchema)
    .mutation(({ ctx, input }) => updateWebhook(ctx.deps, ctx.userId, input)),

  deleteWebhook: adminProcedure
    .meta(
      rest('DELETE', '/admin/webhooks/{webhookId}', 'Delete a webhook', {
        description: 'Its pending deliveries and its delivery log go with it.',
        errors: ADMINS,
      }),
    )
    .input(z.object({ webhookId: idSchema }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteWebhook(ctx.deps, ctx.userId, input.webhookId)),

  webhookDeliveries: adminProcedure
    .meta(
      rest('GET', '/admin/webhooks/{webhookId}/deliveries', "A webhook's delivery log", {
        description: 'One entry per attempt, newest first.',
        errors: ADMINS,
      }),
    )
    .input(z.object({ webhookId: idSchema, ...pageQuery }))
    .output(pageSchema(webhookDeliverySchema))
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.deps, input)),
} satisfies TRPCRouterRecord;
