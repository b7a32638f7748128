import { watermarkTimes } from '../conversations/receipt-history.ts';
import type { ApiDeps } from '../deps.ts';
import { maskReads, readHiddenFor } from '../privacy/privacy.ts';
import { requireVisibleMessage } from '../shared/access.ts';
import { recipientStatus, statusFor } from '../shared/mappers.ts';
import type { MessageStatusReport } from '../shared/schemas.ts';

/**
 * Delivered/read per recipient, derived from the watermarks. Recipients are the members other
 * than the sender who could see the message (joined before it). Any member may ask. Times
 * come from the compacted watermark history (see receipt-history.ts). Reads the asker may not
 * see (read receipts off, blocks) show as delivered, without a read time.
 */
export async function messageStatus(
  deps: ApiDeps,
  userId: string,
  messageId: string,
): Promise<MessageStatusReport> {
  const { message } = await requireVisibleMessage(deps.db, messageId, userId);
  const rows = await deps.db
    .selectFrom('members')
    .select(['user_id', 'last_delivered_seq', 'last_read_seq'])
    .where('conversation_id', '=', message.conversation_id)
    .where('user_id', '<>', message.sender_id)
    .where('joined_seq', '<', message.seq)
    .orderBy('user_id')
    .execute();
  const hidden = await readHiddenFor(
    deps.db,
    userId,
    rows.map((m) => m.user_id),
  );
  const members = maskReads(rows, (m) => m.user_id, hidden);
  const times = await watermarkTimes(
    deps.db,
    message.conversation_id,
    message.seq,
    members.map((m) => m.user_id),
  );
  const recipients = members.map((m) => {
    const status = recipientStatus(message.seq, m);
    const at = times.get(m.user_id);
    return {
      userId: m.user_id,
      status,
      deliveredAt: status === 'sent' ? null : (at?.delivered ?? null),
      readAt: status === 'read' ? (at?.read ?? null) : null,
    };
  });
  return {
    messageId: message.id,
    seq: message.seq,
    status: statusFor(message.seq, members),
    recipients,
    readCount: recipients.filter((r) => r.status === 'read').length,
  };
}
