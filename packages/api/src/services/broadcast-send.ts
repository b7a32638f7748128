import type { DbOrTx } from '@parley/db';
import { TRPCError } from '@trpc/server';
import { ulid } from 'ulid';
import type { ApiDeps } from '../deps.ts';
import { notFound, tooManyRequests } from '../errors.ts';
import type { BroadcastSendDto } from '../schemas.ts';
import { requireOwnList } from './broadcasts.ts';
import { ensureDirectChats } from './direct-chats.ts';
import { recipientStatus } from './mappers.ts';
import { checkText, writeTextMessage } from './messages.ts';
import { nowIso, writeWithEvents } from './write.ts';

export interface BroadcastSendInput {
  broadcastId: string;
  clientMessageId: string;
  text: string;
}

/**
 * Each recipient's copy is an ordinary message from the sender, so it is idempotent on its
 * own too; the id is derived from the sender's one, so a retry can never make a second copy.
 */
export function recipientClientMessageId(clientMessageId: string, recipientId: string): string {
  return `broadcast:${clientMessageId}:${recipientId}`;
}

/** The id of the stored send for this clientMessageId, if any (a retry). */
async function storedSendId(
  db: DbOrTx,
  senderId: string,
  input: BroadcastSendInput,
): Promise<string | undefined> {
  const stored = await db
    .selectFrom('broadcast_sends')
    .select(['id', 'list_id'])
    .where('sender_id', '=', senderId)
    .where('client_message_id', '=', input.clientMessageId)
    .executeTakeFirst();
  if (stored && stored.list_id !== input.broadcastId) {
    throw new TRPCError({
      code: 'CONFLICT',
      message: 'clientMessageId was already used for another broadcast list',
    });
  }
  return stored?.id;
}

/**
 * Sends one text to every recipient of the list, each in their direct chat with the sender
 * (opened where missing), all in one transaction. Idempotent per (sender, clientMessageId):
 * a retry returns the stored send with fresh receipts and costs no rate-limit point; a new send
 * costs exactly one point, however many recipients it has.
 */
export async function sendBroadcast(
  deps: ApiDeps,
  senderId: string,
  input: BroadcastSendInput,
): Promise<BroadcastSendDto> {
  const stored = await storedSendId(deps.db, senderId, input);
  if (stored) return broadcastSendStatus(deps, senderId, input.broadcastId, stored);
  checkText(deps, input.text);
  await requireOwnList(deps.db, input.broadcastId, senderId);
  const decision = await deps.rateLimiter.consume(
    { name: 'send', ...deps.limits.sendRate },
    senderId,
  );
  if (!decision.allowed) {
    throw tooManyRequests(decision.retryAfterMs, 'Sending too fast, slow down');
  }
  const sendId = await writeWithEvents(deps, async (trx, emit) => {
    const raced = await storedSendId(trx, senderId, input);
    if (raced) return raced;
    const list = await requireOwnList(trx, input.broadcastId, senderId);
    const recipients = (
      await trx
        .selectFrom('broadcast_recipients')
        .select('user_id')
        .where('list_id', '=', list.id)
        .orderBy('user_id')
        .execute()
    ).map((r) => r.user_id);
    if (recipients.length === 0) {
      throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'The list has no recipients' });
    }
    const chats = await ensureDirectChats(deps, trx, emit, senderId, recipients);
    const send = {
      id: ulid(),
      list_id: list.id,
      sender_id: senderId,
      client_message_id: input.clientMessageId,
      text: input.text,
      created_at: nowIso(deps),
    };
    await trx.insertInto('broadcast_sends').values(send).execute();
    const deliveries = [];
    for (const recipientId of recipients) {
      const conversationId = chats.get(recipientId)!;
      const message = await writeTextMessage(deps, trx, emit, senderId, {
        conversationId,
        clientMessageId: recipientClientMessageId(input.clientMessageId, recipientId),
        text: input.text,
      });
      if (message.conversation_id !== conversationId) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: 'clientMessageId was already used for another conversation',
        });
      }
      deliveries.push({
        send_id: send.id,
        recipient_id: recipientId,
        conversation_id: conversationId,
        message_id: message.id,
      });
    }
    await trx.insertInto('broadcast_deliveries').values(deliveries).execute();
    return send.id;
  });
  return broadcastSendStatus(deps, senderId, input.broadcastId, sendId);
}

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
  const recipients = rows.map((r) => ({
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
