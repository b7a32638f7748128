import type { ConversationRow, DbOrTx } from '@parley/db';
import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { type Emit, nowIso } from '../live/write.ts';
import { conversationSummary } from '../shared/mappers.ts';

export interface DirectContext {
  type: string;
  id: string;
}

/** One direct chat per pair (and per context, e.g. one per property listing). */
export function directKey(a: string, b: string, context?: DirectContext): string {
  const pair = [a, b].sort().join(':');
  return context ? `${pair}|${context.type}:${context.id}` : pair;
}

/**
 * The direct chat between the caller and each peer, created where missing (one
 * `conversation.created` each). Runs under the event-log lock inside `writeWithEvents`, so a
 * concurrent open of the same pair cannot create a second chat. NOT_FOUND if a peer does not
 * exist; peers must not include the caller. Returns peer id -> conversation id.
 */
export async function ensureDirectChats(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  callerId: string,
  peerIds: string[],
  context?: DirectContext,
): Promise<Map<string, string>> {
  const keyOf = new Map(peerIds.map((peer) => [peer, directKey(callerId, peer, context)]));
  const byKey = new Map<string, string>();
  if (peerIds.length > 0) {
    const existing = await trx
      .selectFrom('conversations')
      .select(['id', 'direct_key'])
      .where('direct_key', 'in', [...keyOf.values()])
      .execute();
    for (const row of existing) byKey.set(row.direct_key!, row.id);
  }
  const missing = peerIds.filter((peer) => !byKey.has(keyOf.get(peer)!));
  if (missing.length > 0) {
    const users = await trx
      .selectFrom('users')
      .select('id')
      .where('id', 'in', missing)
      .where('deleted_at', 'is', null)
      .execute();
    if (users.length !== new Set(missing).size) throw notFound('User');
    const now = nowIso(deps);
    const rows: ConversationRow[] = missing.map((peer) => ({
      id: newId(),
      type: 'direct',
      direct_key: keyOf.get(peer)!,
      context_type: context?.type ?? null,
      context_id: context?.id ?? null,
      title: null,
      description: null,
      avatar_file_id: null,
      created_by: callerId,
      created_at: now,
      updated_at: now,
      last_seq: 0,
      last_message_at: null,
      message_retention_seconds: null,
      unread_epoch: 0,
    }));
    await trx.insertInto('conversations').values(rows).execute();
    await trx
      .insertInto('members')
      .values(
        rows.flatMap((row, i) =>
          [callerId, missing[i]!].map((userId) => ({
            conversation_id: row.id,
            user_id: userId,
            role: 'member' as const,
            joined_at: now,
            joined_seq: 0,
            last_delivered_seq: 0,
            last_read_seq: 0,
          })),
        ),
      )
      .execute();
    for (const row of rows) {
      byKey.set(row.direct_key!, row.id);
      emit({
        event: {
          type: 'conversation.created',
          conversationId: row.id,
          conversation: conversationSummary(row),
        },
      });
    }
  }
  return new Map(peerIds.map((peer) => [peer, byKey.get(keyOf.get(peer)!)!]));
}
