import type { DbOrTx, MessageRow, NewNotificationRow } from '@parley/db';
import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { nowIso } from '../live/write.ts';
import { mentionedIds } from '../messages/mentions.ts';
import { membersByConversation } from '../shared/recipients.ts';

// SQLite caps the variables of one statement; 500 rows x 12 columns stays well below it.
const INSERT_CHUNK = 500;

/** The sinks a new notification goes to: one outbox row per sink per offline recipient. */
function configuredSinks(deps: ApiDeps): string[] {
  const names = deps.notifications.sinks.map((s) => s.name);
  return deps.notifications.push ? [...names, 'push'] : names;
}

/**
 * Asked before the message's transaction: which of these users has a connected device.
 * Outside the transaction so the event-log lock is never held across a presence round trip
 * (Redis). Null when no sink is configured: nothing will be queued.
 */
async function onlineAmong(deps: ApiDeps, userIds: string[]): Promise<Set<string> | null> {
  if (configuredSinks(deps).length === 0) return null;
  return deps.presence.onlineUsers(userIds);
}

/**
 * For a batch of sends, before its transaction: one read of the conversations' members and one
 * presence query for all of them, not one of each per send. Each send's `online` becomes the
 * set of its other members with a connected device, or null when nothing will be queued (no
 * sink configured, or every other member is online: the send then takes the text fast path).
 */
export async function markOnlineRecipients(
  deps: ApiDeps,
  sends: { senderId: string; input: { conversationId: string }; online: Set<string> | null }[],
): Promise<void> {
  for (const send of sends) send.online = null;
  if (sends.length === 0 || configuredSinks(deps).length === 0) return;
  const members = await membersByConversation(deps.db, [
    ...new Set(sends.map((s) => s.input.conversationId)),
  ]);
  const everyone = [...members.values()].flatMap((list) => list.map((m) => m.user_id));
  const online = await deps.presence.onlineUsers([...new Set(everyone)]);
  for (const send of sends) {
    const others = (members.get(send.input.conversationId) ?? [])
      .map((m) => m.user_id)
      .filter((id) => id !== send.senderId);
    if (others.every((id) => online.has(id))) continue;
    send.online = new Set(others.filter((id) => online.has(id)));
  }
}

/** `onlineAmong` for the recipients of a broadcast list. */
export async function onlineBroadcastRecipients(
  deps: ApiDeps,
  listId: string,
): Promise<Set<string> | null> {
  if (configuredSinks(deps).length === 0) return null;
  const rows = await deps.db
    .selectFrom('broadcast_recipients')
    .select('user_id')
    .where('list_id', '=', listId)
    .execute();
  return onlineAmong(
    deps,
    rows.map((r) => r.user_id),
  );
}

/**
 * Inside the messages' transaction: outbox rows for every other member who is offline and has
 * not muted the conversation, so a notification exists exactly when its message does. Web
 * Push rows only for members with a push subscription. A few queries however many messages
 * (a broadcast writes hundreds at once). Returns how many rows were queued.
 */
export async function queueMessageNotifications(
  deps: ApiDeps,
  trx: DbOrTx,
  messages: MessageRow[],
  online: Set<string> | null,
): Promise<number> {
  if (!online || messages.length === 0) return 0;
  const now = nowIso(deps);
  // A mention reaches the mentioned user even through a mute: read muted members too then.
  const anyMention = messages.some((m) => m.mentions !== null);
  let query = trx
    .selectFrom('members')
    .select(['conversation_id', 'user_id', 'muted_until'])
    .where(
      'conversation_id',
      'in',
      messages.map((m) => m.conversation_id),
    );
  if (!anyMention) {
    query = query.where((eb) =>
      eb.or([eb('muted_until', 'is', null), eb('muted_until', '<=', now)]),
    );
  }
  const members = await query.execute();
  const recipients = messages.flatMap((message) => {
    const mentioned = mentionedIds(message);
    return members
      .filter(
        (m) =>
          m.conversation_id === message.conversation_id &&
          m.user_id !== message.sender_id &&
          !online.has(m.user_id) &&
          (m.muted_until === null ||
            m.muted_until <= now ||
            mentioned.has(m.user_id) ||
            mentioned.has('*')),
      )
      .map((m) => ({ message, userId: m.user_id }));
  });
  if (recipients.length === 0) return 0;
  const sinks = configuredSinks(deps);
  const withPush = sinks.includes('push')
    ? new Set(
        (
          await trx
            .selectFrom('push_subscriptions')
            .select('user_id')
            .distinct()
            .where('user_id', 'in', [...new Set(recipients.map((r) => r.userId))])
            .execute()
        ).map((r) => r.user_id),
      )
    : new Set<string>();
  const rows: NewNotificationRow[] = recipients.flatMap(({ message, userId }) =>
    sinks
      .filter((sink) => sink !== 'push' || withPush.has(userId))
      .map((sink) => ({
        id: newId(),
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
