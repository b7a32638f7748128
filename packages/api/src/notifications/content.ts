import type { NotificationRow } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { nowIso } from '../live/write.ts';
import { mentionedIds } from '../messages/mentions.ts';
import type { NotificationPayload } from '../ports/notifier.ts';

const PREVIEW_MAX_CHARS = 140;

export type Prepared =
  | { row: NotificationRow; notification: NotificationPayload }
  | { row: NotificationRow; skip: string };

/** The start of the text, cut on a code point (never half an emoji). */
export function previewOf(text: string): string {
  const chars = Array.from(text);
  return chars.length <= PREVIEW_MAX_CHARS
    ? text
    : `${chars.slice(0, PREVIEW_MAX_CHARS - 1).join('')}…`;
}

/**
 * Builds the notifications of claimed rows from the current state (one query per batch), so
 * a message deleted or read meanwhile, or a conversation muted or left, is not notified.
 */
export async function prepareNotifications(
  deps: ApiDeps,
  rows: NotificationRow[],
): Promise<Prepared[]> {
  if (rows.length === 0) return [];
  const found = await deps.db
    .selectFrom('notifications as n')
    .innerJoin('messages as m', 'm.id', 'n.message_id')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('users as s', 's.id', 'm.sender_id')
    .leftJoin('members as r', (j) =>
      j.onRef('r.conversation_id', '=', 'm.conversation_id').onRef('r.user_id', '=', 'n.user_id'),
    )
    .select([
      'n.id',
      'm.conversation_id',
      'm.seq',
      'm.sender_id',
      'm.text',
      'm.created_at',
      'm.deleted_at',
      'm.mentions',
      'c.type',
      'c.title',
      's.display_name',
      'r.user_id as member_id',
      'r.last_read_seq',
      'r.muted_until',
    ])
    .where(
      'n.id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  const byId = new Map(found.map((f) => [f.id, f]));
  const now = nowIso(deps);
  return rows.map((row): Prepared => {
    const f = byId.get(row.id);
    if (!f) return { row, skip: 'message gone' };
    if (f.deleted_at) return { row, skip: 'message deleted' };
    if (!f.member_id) return { row, skip: 'no longer a member' };
    if (f.muted_until && f.muted_until > now && !mentions(f, row.user_id)) {
      return { row, skip: 'muted' };
    }
    if ((f.last_read_seq ?? 0) >= f.seq) return { row, skip: 'already read' };
    return {
      row,
      notification: {
        id: row.id,
        type: 'message.created',
        userId: row.user_id,
        conversationId: f.conversation_id,
        conversationType: f.type,
        conversationTitle: f.title,
        messageId: row.message_id,
        seq: f.seq,
        senderId: f.sender_id,
        senderName: f.display_name,
        preview: deps.notifications.preview && f.text ? previewOf(f.text) : null,
        createdAt: f.created_at,
      },
    };
  });
}

/** A mention of the user (or @everyone) gets through a mute. */
function mentions(message: { mentions: string | null }, userId: string): boolean {
  const ids = mentionedIds(message);
  return ids.has(userId) || ids.has('*');
}
