import type { DbOrTx, MessageRow, NewNotificationRow } from '@parley/db';
import { ulid } from 'ulid';
import type { ApiDeps } from '../deps.ts';
import { otherMembers } from './recipients.ts';
import { nowIso } from './write.ts';

// SQLite caps the variables of one statement; 500 rows x 12 columns stays well below it.
const INSERT_CHUNK = 500;

/** The sinks a new notification goes to: one outbox row per sink per offline recipient. */
export function configuredSinks(deps: ApiDeps): string[] {
  const names = deps.notifications.sinks.map((s) => s.name);
  return deps.notifications.push ? [...names, 'push'] : names;
}

/**
 * Asked before the message's transaction: who of the other members has a connected device.
 * Outside the transaction so the event-log lock is never held across a presence round trip
 * (Redis). Null when no sink is configured: nothing will be queued.
 */
export async function onlineRecipients(
  deps: ApiDeps,
  conversationId: string,
  senderId: string,
): Promise<Set<string> | null> {
  if (configuredSinks(deps).length === 0) return null;
  return deps.presence.onlineUsers(await otherMembers(deps.db, conversationId, senderId));
}

/**
 * Inside the message's transaction: outbox rows for every other member who is offline and has
 * not muted the conversation, so a notification exists exactly when the message does. Web
 * Push rows only for members with a push subscription. Returns how many rows were queued.
 */
export async function queueMessageNotifications(
  deps: ApiDeps,
  trx: DbOrTx,
  message: MessageRow,
  online: Set<string> | null,
): Promise<number> {
  if (!online) return 0;
  const now = nowIso(deps);
  const members = await trx
    .selectFrom('members')
    .select('user_id')
    .where('conversation_id', '=', message.conversation_id)
    .where('user_id', '<>', message.sender_id)
    .where((eb) => eb.or([eb('muted_until', 'is', null), eb('muted_until', '<=', now)]))
    .execute();
  const offline = members.map((m) => m.user_id).filter((id) => !online.has(id));
  if (offline.length === 0) return 0;
  const sinks = configuredSinks(deps);
  const withPush = sinks.includes('push')
    ? new Set(
        (
          await trx
            .selectFrom('push_subscriptions')
            .select('user_id')
            .distinct()
            .where('user_id', 'in', offline)
            .execute()
        ).map((r) => r.user_id),
      )
    : new Set<string>();
  const rows: NewNotificationRow[] = offline.flatMap((userId) =>
    sinks
      .filter((sink) => sink !== 'push' || withPush.has(userId))
      .map((sink) => ({
        id: ulid(),
        user_id: userId,
        message_id: message.id,
        sink,
        state: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        claim_token: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })),
  );
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('notifications')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
  return rows.length;
}
