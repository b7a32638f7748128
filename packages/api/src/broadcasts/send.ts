import type { BroadcastSendRow, DbOrTx, MessageRow } from '@parley/db';
import { newId } from '@parley/db';
import { cannotMessage, hiddenFrom } from '../blocks/blocks.ts';
import { ensureDirectChats } from '../conversations/direct-chats.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { type Emit, nowIso, writeWithEvents } from '../live/write.ts';
import { appendMessages } from '../messages/append.ts';
import { checkText } from '../messages/messages.ts';
import { consumeSendPoint } from '../messages/send-rate.ts';
import { onlineBroadcastRecipients, queueMessageNotifications } from '../notifications/queue.ts';
import { toMessageDto } from '../shared/mappers.ts';
import type { BroadcastSendDto } from '../shared/schemas.ts';
import { requireOwnList } from './broadcasts.ts';
import { broadcastSendStatus } from './status.ts';

export interface BroadcastSendInput {
  broadcastId: string;
  clientMessageId: string;
  text: string;
}

/**
 * Each recipient's copy is an ordinary message from the sender with a clientMessageId derived
 * from the sender's one: unique per copy, and the same for every retry.
 */
function recipientClientMessageId(clientMessageId: string, recipientId: string): string {
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
    throw new DomainError({
      code: 'CONFLICT',
      message: 'clientMessageId was already used for another broadcast list',
    });
  }
  return stored?.id;
}

/**
 * Every recipient's copy in one batch: the messages (one update, one insert, however many
 * recipients; a loop would hold the event-log lock for a thousand round trips), the sender's
 * watermarks, the events and the delivery records.
 */
async function writeCopies(
  trx: DbOrTx,
  emit: Emit,
  send: BroadcastSendRow,
  recipients: string[],
  chats: Map<string, string>,
): Promise<MessageRow[]> {
  const copies = recipients.map((recipientId) => ({
    conversationId: chats.get(recipientId)!,
    senderId: send.sender_id,
    clientMessageId: recipientClientMessageId(send.client_message_id, recipientId),
    kind: 'text' as const,
    text: send.text,
    at: send.created_at,
  }));
  // A fresh send has no stored copies, unless the client itself used one of these ids.
  const clash = await trx
    .selectFrom('messages')
    .select('id')
    .where('sender_id', '=', send.sender_id)
    .where(
      'client_message_id',
      'in',
      copies.map((c) => c.clientMessageId),
    )
    .executeTakeFirst();
  if (clash) {
    throw new DomainError({ code: 'CONFLICT', message: 'clientMessageId was already used' });
  }
  const messages = await appendMessages(trx, copies);
  // The sender has seen their own copies: their watermark in each chat moves to it.
  await trx
    .updateTable('members')
    .set((eb) => {
      const lastSeq = eb
        .selectFrom('conversations')
        .select('conversations.last_seq')
        .whereRef('conversations.id', '=', 'members.conversation_id');
      return { last_read_seq: lastSeq, last_delivered_seq: lastSeq };
    })
    .where('user_id', '=', send.sender_id)
    .where(
      'conversation_id',
      'in',
      copies.map((c) => c.conversationId),
    )
    .execute();
  for (const message of messages) {
    emit({
      event: {
        type: 'message.created',
        conversationId: message.conversation_id,
        message: toMessageDto(message),
      },
    });
  }
  await trx
    .insertInto('broadcast_deliveries')
    .values(
      messages.map((m, i) => ({
        send_id: send.id,
        recipient_id: recipients[i]!,
        conversation_id: m.conversation_id,
        message_id: m.id,
      })),
    )
    .execute();
  return messages;
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
  await consumeSendPoint(deps, senderId);
  const online = await onlineBroadcastRecipients(deps, input.broadcastId);
  let queued = 0;
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
      throw new DomainError({ code: 'PRECONDITION_FAILED', message: 'The list has no recipients' });
    }
    // A recipient who blocked the sender, or whom the sender blocked, gets no copy (no direct
    // chat opened either), exactly as a direct send between them is refused. The send lists
    // only the recipients who got a copy; when nobody can receive it, it is refused like a
    // direct send, with no more said about why.
    const blocked = await hiddenFrom(trx, senderId, recipients);
    const reachable = recipients.filter((id) => !blocked.has(id));
    if (reachable.length === 0) throw cannotMessage();
    const chats = await ensureDirectChats(deps, trx, emit, senderId, reachable);
    const send: BroadcastSendRow = {
      id: newId(),
      list_id: list.id,
      sender_id: senderId,
      client_message_id: input.clientMessageId,
      text: input.text,
      created_at: nowIso(deps),
    };
    await trx.insertInto('broadcast_sends').values(send).execute();
    const copies = await writeCopies(trx, emit, send, reachable, chats);
    queued = await queueMessageNotifications(deps, trx, copies, online);
    return send.id;
  });
  if (queued > 0) deps.notifications.queued.notify();
  return broadcastSendStatus(deps, senderId, input.broadcastId, sendId);
}
