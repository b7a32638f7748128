import type { ReportRow } from '@parley/db';
import { recordAudit } from '../admin/audit.ts';
import type { Actor } from '../admin/bans.ts';
import { applyBan, requireBannable } from '../admin/bans.ts';
import { removeMessageAsModerator } from '../admin/messages.ts';
import type { LiveServices } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { queueWebhookEvent } from '../integrations/webhooks.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import type { ReportDto } from './schemas.ts';

type Status = 'open' | 'resolved' | 'all';

async function toDtos(deps: ApiDeps, rows: ReportRow[]): Promise<ReportDto[]> {
  const ids = rows.map((r) => r.target_message_id).filter((id): id is string => id !== null);
  const texts = new Map<string, string>();
  if (ids.length > 0) {
    const messages = await deps.db
      .selectFrom('messages')
      .select(['id', 'text'])
      .where('id', 'in', ids)
      .execute();
    for (const m of messages) texts.set(m.id, m.text);
  }
  return rows.map((r) => ({
    id: r.id,
    reporterId: r.reporter_id,
    targetType: r.target_type,
    targetUserId: r.target_user_id,
    messageId: r.target_message_id,
    conversationId: r.conversation_id,
    messageText: r.target_message_id ? (texts.get(r.target_message_id) ?? '') : null,
    reason: r.reason as ReportDto['reason'],
    comment: r.comment,
    status: r.status,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolution: r.resolution as ReportDto['resolution'],
  }));
}

/** Oldest first: the queue is worked from the front. */
export async function listReports(
  deps: ApiDeps,
  input: { status?: Status | undefined; cursor?: string | null; limit?: number },
): Promise<{ items: ReportDto[]; nextCursor: string | null }> {
  const limit = pageLimit(deps.limits, input.limit);
  const after = decodeCursor(input.cursor, 1);
  const status = input.status ?? 'open';
  let query = deps.db.selectFrom('reports').selectAll();
  if (status !== 'all') query = query.where('status', '=', status);
  if (after) query = query.where('id', '>', after[0]!);
  const rows = await query
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
  return { items: await toDtos(deps, page), nextCursor };
}

/**
 * Closes a report with an action, in one transaction with the action itself: `dismiss`,
 * `delete_message` (the reported message, tombstoned as removed by a moderator) or `ban_user`
 * (the reported person or the message's sender; `banUntil` optional).
 */
export async function resolveReport(
  deps: ApiDeps,
  live: LiveServices,
  actor: Actor,
  input: {
    reportId: string;
    action: 'dismiss' | 'delete_message' | 'ban_user';
    note?: string | undefined;
    banUntil?: string | undefined;
  },
): Promise<ReportDto> {
  const until = input.banUntil ? new Date(input.banUntil).toISOString() : null;
  if (until && Date.parse(until) <= deps.clock.now()) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'banUntil must be in the future' });
  }
  const note = input.note?.trim() || null;
  const banned = await writeWithEvents(deps, async (trx, emit) => {
    const report = await trx
      .selectFrom('reports')
      .selectAll()
      .where('id', '=', input.reportId)
      .executeTakeFirst();
    if (!report) throw notFound('Report');
    if (report.status !== 'open') {
      throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'Report already resolved' });
    }
    const details = { reportId: report.id, note };
    if (input.action === 'delete_message') {
      if (!report.target_message_id) {
        throw new DomainError({
          code: 'BAD_REQUEST',
          message: 'This report is not about a message',
        });
      }
      await removeMessageAsModerator(
        deps,
        trx,
        emit,
        actor.userId,
        report.target_message_id,
        details,
      );
    } else if (input.action === 'ban_user') {
      await requireBannable(deps, trx, actor, report.target_user_id);
      await applyBan(deps, trx, emit, { userId: report.target_user_id, until, reason: note });
      await recordAudit(deps, trx, {
        actorId: actor.userId,
        action: 'user.banned',
        targetType: 'user',
        targetId: report.target_user_id,
        details: { ...details, until },
      });
    }
    const resolvedAt = nowIso(deps);
    await trx
      .updateTable('reports')
      .set({
        status: 'resolved',
        resolved_at: resolvedAt,
        resolved_by: actor.userId,
        resolution: input.action,
      })
      .where('id', '=', report.id)
      .execute();
    await queueWebhookEvent(deps, trx, 'report.resolved', {
      reportId: report.id,
      targetType: report.target_type,
      targetUserId: report.target_user_id,
      messageId: report.target_message_id,
      conversationId: report.conversation_id,
      reason: report.reason,
      action: input.action,
      resolvedBy: actor.userId,
      resolvedAt,
    });
    await recordAudit(deps, trx, {
      actorId: actor.userId,
      action: 'report.resolved',
      targetType: 'report',
      targetId: report.id,
      details: { action: input.action, note },
    });
    return input.action === 'ban_user' ? report.target_user_id : null;
  });
  if (banned) live.bans.ban(banned, until);
  const row = await deps.db
    .selectFrom('reports')
    .selectAll()
    .where('id', '=', input.reportId)
    .executeTakeFirstOrThrow();
  const [dto] = await toDtos(deps, [row]);
  return dto!;
}
