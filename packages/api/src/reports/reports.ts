import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { queueWebhookEvent } from '../integrations/webhooks.ts';
import { nowIso } from '../live/write.ts';
import { requireVisibleMessage } from '../shared/access.ts';
import type { ReportReceiptDto } from './schemas.ts';

export interface CreateReport {
  targetType: 'message' | 'user';
  targetId: string;
  reason: ReportReceiptDto['reason'];
  comment?: string | undefined;
}

/**
 * Queues a report for moderators. Only what the reporter can see may be reported: a message
 * of a conversation they belong to (from when they joined), or an existing user other than
 * themselves; anything else is NOT_FOUND, so a report never reveals that something exists.
 */
export async function createReport(
  deps: ApiDeps,
  reporterId: string,
  input: CreateReport,
): Promise<ReportReceiptDto> {
  const now = nowIso(deps);
  const id = newId();
  await deps.db.transaction().execute(async (trx) => {
    let targetUserId: string;
    let messageId: string | null = null;
    let conversationId: string | null = null;
    if (input.targetType === 'message') {
      const { message } = await requireVisibleMessage(trx, input.targetId, reporterId);
      if (message.kind === 'system') throw notFound('Message');
      if (message.sender_id === reporterId) {
        throw new DomainError({
          code: 'BAD_REQUEST',
          message: 'You cannot report your own message',
        });
      }
      targetUserId = message.sender_id;
      messageId = message.id;
      conversationId = message.conversation_id;
    } else {
      const user = await trx
        .selectFrom('users')
        .select('id')
        .where('id', '=', input.targetId)
        .executeTakeFirst();
      if (!user) throw notFound('User');
      if (user.id === reporterId) {
        throw new DomainError({ code: 'BAD_REQUEST', message: 'You cannot report yourself' });
      }
      targetUserId = user.id;
    }
    await trx
      .insertInto('reports')
      .values({
        id,
        reporter_id: reporterId,
        target_type: input.targetType,
        target_user_id: targetUserId,
        target_message_id: messageId,
        conversation_id: conversationId,
        reason: input.reason,
        comment: input.comment ?? '',
        status: 'open',
        created_at: now,
        resolved_at: null,
        resolved_by: null,
        resolution: null,
      })
      .execute();
    await queueWebhookEvent(deps, trx, 'report.created', {
      reportId: id,
      reporterId,
      targetType: input.targetType,
      targetUserId,
      messageId,
      conversationId,
      reason: input.reason,
      comment: input.comment ?? '',
      createdAt: now,
    });
  });
  return {
    id,
    targetType: input.targetType,
    targetId: input.targetId,
    reason: input.reason,
    status: 'open',
    createdAt: now,
  };
}
