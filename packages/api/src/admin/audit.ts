import { type DbOrTx, nextIds } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import type { AuditEntryDto } from './schemas.ts';

export interface AuditEntry {
  /** Null: the command line. */
  actorId: string | null;
  action: string;
  targetType: 'user' | 'message' | 'report' | 'api_key' | 'webhook';
  targetId: string;
  details?: Record<string, string | null>;
}

// The log lists newest first by id; one action can write two entries in the same millisecond
// (a report resolved by removing its message), so ids from this process strictly increase.
let lastAuditId = '';

/** Written in the same transaction as the action it records. */
export async function recordAudit(deps: ApiDeps, trx: DbOrTx, entry: AuditEntry): Promise<void> {
  const now = deps.clock.now();
  [lastAuditId] = nextIds(lastAuditId, 1, now) as [string];
  await trx
    .insertInto('audit_log')
    .values({
      id: lastAuditId,
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      details: JSON.stringify(entry.details ?? {}),
      created_at: new Date(now).toISOString(),
    })
    .execute();
}

/** Newest first (ids are time-sortable). */
export async function listAudit(
  deps: ApiDeps,
  input: { cursor?: string | null; limit?: number },
): Promise<{ items: AuditEntryDto[]; nextCursor: string | null }> {
  const limit = pageLimit(deps.limits, input.limit);
  const after = decodeCursor(input.cursor, 1);
  let query = deps.db.selectFrom('audit_log').selectAll();
  if (after) query = query.where('id', '<', after[0]!);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
  return {
    items: page.map((r) => ({
      id: r.id,
      actorId: r.actor_id,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      details: JSON.parse(r.details) as Record<string, string | null>,
      createdAt: r.created_at,
    })),
    nextCursor,
  };
}
