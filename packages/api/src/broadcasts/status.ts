import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { maskReads, readHiddenFor } from '../privacy/privacy.ts';
import { recipientStatus } from '../shared/mappers.ts';
import type { BroadcastSendDto } from '../shared/schemas.ts';

/**
 * One send as its sender sees it: per recipient, the message in their direct chat and its
 * status from that recipient's watermarks (sent / delivered / read).
 */
export async function broadcastSendStatus(
  deps: ApiDeps,
  senderId: string,
  broadcastId: string,
  sendId: string,
): Promise<BroadcastSendDto> {
  const send = await deps.db
    .selectFrom('broadcast_sends')
    .selectAll()
    .where('id', '=', sendId)
    .where('sender_id', '=', senderId)
    .where('list_id', '=', broadcastId)
    .executeTakeFirst();
  if (!send) throw notFound('Broadcast message');
  const rows = await deps.db
    .selectFrom('broadcast_deliveries as d')
    .innerJoin('messages as m', 'm.id', 'd.message_id')
    .innerJoin('members as r', (j) =>
      j
        .onRef('r.conversation_id', '=', 'd.conversation_id')
        .onRef('r.user_id', '=', 'd.recipient_id'),
    )
    .select(['d.recipient_id', 'd.conversation_id', 'd.message_id', 'm.seq'])
    .select(['r.last_delivered_seq', 'r.last_read_seq'])
    .where('d.send_id', '=', send.id)
    .orderBy('d.recipient_id')
    .execute();
  const hidden = await readHiddenFor(
    deps.db,
    senderId,
    rows.map((r) => r.recipient_id),
  );
  const recipients = maskReads(rows, (r) => r.recipient_id, hidden).map((r) => ({
    userId: r.recipient_id,
    conversationId: r.conversation_id,
    messageId: r.message_id,
    seq: r.seq,
    status: recipientStatus(r.seq, r),
  }));
  return {
    id: send.id,
    broadcastId: send.list_id,
    clientMessageId: send.client_message_id,
    text: send.text,
    createdAt: send.created_at,
    recipients,
    deliveredCount: recipients.filter((r) => r.status !== 'sent').length,
    readCount: recipients.filter((r) => r.status === 'read').length,
  };
}
