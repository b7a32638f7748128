import { z } from 'zod';
import { clientString, idSchema } from '../shared/schemas.ts';

/** The fixed list a reporter picks from. */
export const reportReasons = [
  'spam',
  'harassment',
  'hate',
  'violence',
  'sexual_content',
  'self_harm',
  'impersonation',
  'illegal',
  'other',
] as const;
export const reportReasonSchema = z.enum(reportReasons).meta({ id: 'ReportReason' });
export const reportTargetTypeSchema = z.enum(['message', 'user']).meta({ id: 'ReportTargetType' });
export const reportActionSchema = z
  .enum(['dismiss', 'delete_message', 'ban_user'])
  .meta({ id: 'ReportAction' });

export const createReportInput = z.strictObject({
  targetType: reportTargetTypeSchema,
  /** A message id (targetType message) or a user id (targetType user). */
  targetId: idSchema,
  reason: reportReasonSchema,
  comment: clientString().trim().max(1000).optional(),
});

/** What the reporter gets back. */
export const reportReceiptSchema = z
  .object({
    id: z.string(),
    targetType: reportTargetTypeSchema,
    targetId: z.string(),
    reason: reportReasonSchema,
    status: z.enum(['open', 'resolved']),
    createdAt: z.string(),
  })
  .meta({ id: 'ReportReceipt' });
export type ReportReceiptDto = z.infer<typeof reportReceiptSchema>;

/** What moderators see in the queue. */
export const reportSchema = z
  .object({
    id: z.string(),
    reporterId: z.string(),
    targetType: reportTargetTypeSchema,
    /** The reported person, or the sender of the reported message. */
    targetUserId: z.string(),
    messageId: z.string().nullable(),
    conversationId: z.string().nullable(),
    /** The reported message's current text ('' once deleted); null for a user report. */
    messageText: z.string().nullable(),
    reason: reportReasonSchema,
    comment: z.string(),
    status: z.enum(['open', 'resolved']),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolution: reportActionSchema.nullable(),
  })
  .meta({ id: 'Report' });
export type ReportDto = z.infer<typeof reportSchema>;
