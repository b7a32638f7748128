import type { DbOrTx, MessageKind, MessageRow } from '@parley/db';
import { newId } from '@parley/db';
import type { SystemPayload } from '../shared/schemas.ts';

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
 * Stores messages, each taking the next seq of its conversation (at most one message per
 * conversation per call), with one update and one insert however many there are. The caller
 * checks access and emits `message.created`, in the transaction that appends the events.
 */
export async function appendMessages(trx: DbOrTx, inputs: AppendMessage[]): Promise<MessageRow[]> {
  if (inputs.length === 0) return [];
  const ids = inputs.map((m) => m.conversationId);
  if (new Set(ids).size !== ids.length) throw new Error('one message per conversation per call');
  const at = inputs[0]!.at;
  const bumped = await trx
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: at, updated_at: at }))
    .where('id', 'in', ids)
    .returning(['id', 'last_seq'])
    .execute();
  const seqOf = new Map(bumped.map((c) => [c.id, c.last_seq]));
  const messages: MessageRow[] = inputs.map((m) => {
    const seq = seqOf.get(m.conversationId);
    if (seq === undefined) throw new Error(`conversation ${m.conversationId} does not exist`);
    return {
      id: newId(),
      conversation_id: m.conversationId,
      seq,
      sender_id: m.senderId,
      client_message_id: m.clientMessageId,
      kind: m.kind,
      text: m.text,
      reply_to_id: m.replyToId ?? null,
      created_at: m.at,
      edited_at: null,
      deleted_at: null,
      system: m.system ? JSON.stringify(m.system) : null,
      link_preview: null,
    };
  });
  await trx.insertInto('messages').values(messages).execute();
  return messages;
}

export async function appendMessage(trx: DbOrTx, input: AppendMessage): Promise<MessageRow> {
  const [message] = await appendMessages(trx, [input]);
  return message!;
}
