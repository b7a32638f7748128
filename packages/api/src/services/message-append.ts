import type { DbOrTx, MessageKind, MessageRow } from '@parley/db';
import { ulid } from 'ulid';
import type { SystemPayload } from '../schemas.ts';

export interface AppendMessage {
  conversationId: string;
  senderId: string;
  clientMessageId: string;
  kind: MessageKind;
  text: string;
  replyToId?: string | null;
  system?: SystemPayload | null;
  at: string;
}

/**
 * Takes the conversation's next seq and stores the message; the caller checks access and
 * emits `message.created`. Must run in the transaction that appends the event.
 */
export async function appendMessage(trx: DbOrTx, input: AppendMessage): Promise<MessageRow> {
  const bumped = await trx
    .updateTable('conversations')
    .set((eb) => ({
      last_seq: eb('last_seq', '+', 1),
      last_message_at: input.at,
      updated_at: input.at,
    }))
    .where('id', '=', input.conversationId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const message: MessageRow = {
    id: ulid(),
    conversation_id: input.conversationId,
    seq: bumped.last_seq,
    sender_id: input.senderId,
    client_message_id: input.clientMessageId,
    kind: input.kind,
    text: input.text,
    reply_to_id: input.replyToId ?? null,
    created_at: input.at,
    edited_at: null,
    deleted_at: null,
    system: input.system ? JSON.stringify(input.system) : null,
  };
  await trx.insertInto('messages').values(message).execute();
  return message;
}
