import type { ApiDeps } from '../deps.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { sendsReadReceipts } from '../privacy/privacy.ts';
import { lockedMember } from '../shared/access.ts';
import type { ReceiptDto } from '../shared/schemas.ts';
import { conversationsOf } from './conversations.ts';
import { updateMemberState } from './organize.ts';
import { recordWatermarkMove } from './receipt-history.ts';

/**
 * Moves the caller's delivered and/or read watermark forward (never back, never past the last
 * message). Read implies delivered. Emits a receipt event only when something moved.
 */
export async function moveWatermarks(
  deps: ApiDeps,
  userId: string,
  input: { conversationId: string; upToSeq?: number | null },
  kind: 'delivered' | 'read',
): Promise<ReceiptDto & { unreadCount: number; unreadMentionCount: number }> {
  const receipt = await writeWithEvents(
    deps,
    async (trx, emit) => {
      const member = await lockedMember(trx, input.conversationId, userId);
      const conversation = await trx
        .selectFrom('conversations')
        .select('last_seq')
        .where('id', '=', input.conversationId)
        .executeTakeFirstOrThrow();
      const target = Math.min(input.upToSeq ?? conversation.last_seq, conversation.last_seq);
      const read = kind === 'read' ? Math.max(member.last_read_seq, target) : member.last_read_seq;
      const delivered = Math.max(member.last_delivered_seq, kind === 'delivered' ? target : read);
      const receipt: ReceiptDto = {
        conversationId: input.conversationId,
        userId,
        lastDeliveredSeq: delivered,
        lastReadSeq: read,
      };
      const now = nowIso(deps);
      // Reading clears "marked unread", even when the watermark is already at the end.
      if (kind === 'read' && member.marked_unread === 1) {
        await updateMemberState(trx, emit, input.conversationId, userId, { marked_unread: 0 }, now);
      }
      if (read === member.last_read_seq && delivered === member.last_delivered_seq) return receipt;
      await trx
        .updateTable('members')
        .set({ last_read_seq: read, last_delivered_seq: delivered })
        .where('conversation_id', '=', input.conversationId)
        .where('user_id', '=', userId)
        .execute();
      const moves = { conversationId: input.conversationId, userId, at: now };
      if (delivered > member.last_delivered_seq) {
        await recordWatermarkMove(trx, { ...moves, kind: 'delivered', seq: delivered });
      }
      if (read > member.last_read_seq) {
        await recordWatermarkMove(trx, { ...moves, kind: 'read', seq: read });
      }
      if (await sendsReadReceipts(trx, userId)) {
        emit({ event: { type: 'receipt', ...receipt } });
      } else {
        // Read receipts off: the others learn only that it was delivered; the reader's own
        // devices get the real watermarks right after (a stream applies them in order).
        if (delivered !== member.last_delivered_seq) {
          emit({ event: { type: 'receipt', ...receipt, lastReadSeq: 0 } });
        }
        emit({ event: { type: 'receipt', ...receipt }, onlyUserId: userId });
      }
      return receipt;
      // One member's own watermarks, locked above: no other operation needs to wait for this.
    },
    { serialize: false },
  );
  const view = await conversationsOf(deps.db, userId)
    .where('c.id', '=', input.conversationId)
    .executeTakeFirstOrThrow();
  return {
    ...receipt,
    unreadCount: Number(view.unread_count),
    unreadMentionCount: Number(view.unread_mention_count),
  };
}
