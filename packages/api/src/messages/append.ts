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
  /** JSON of the mention ranges (checked by the caller). */
  mentions?: string | null;
  forwarded?: boolean;
  threadRootId?: string | null;
  /** A thread reply also shown in the conversation (default true). */
  inChannel?: boolean;
  at: string;
}

/** The columns of a message that is neither a thread root yet nor anything special. */
export const PLAIN_MESSAGE = {
  mentions: null,
  forwarded: 0,
  thread_root_id: null,
  in_channel: 1,
  thread_reply_count: 0,
  thread_last_reply_at: null,
  thread_last_reply_seq: null,
  thread_participants: null,
  link_preview: null,
} as const;

/** A plain text send's row, as the hot-path writers build it from what they checked. */
export function textMessageRow(
  senderId: string,
  input: {
    conversationId: string;
    clientMessageId: string;
    text: string;
    replyToId?: string | null;
  },
  seq: number,
  at: string,
): MessageRow {
  return {
    id: newId(),
    conversation_id: input.conversationId,
    seq,
    sender_id: senderId,
    client_message_id: input.clientMessageId,
    kind: 'text',
    text: input.text,
    reply_to_id: input.replyToId ?? null,
    created_at: at,
    edited_at: null,
    deleted_at: null,
    system: null,
    ...PLAIN_MESSAGE,
  };
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
  const bumped = await bumpSeqs(trx, ids, inputs[0]!.at);
  const messages = inputs.map((m) => {
    const seq = bumped.get(m.conversationId);
    if (seq === undefined) throw new Error(`conversation ${m.conversationId} does not exist`);
    return messageRow(m, seq);
  });
  await trx.insertInto('messages').values(messages).execute();
  return messages;
}

export async function appendMessage(trx: DbOrTx, input: AppendMessage): Promise<MessageRow> {
  const [message] = await appendMessages(trx, [input]);
  return message!;
}

/**
 * Takes the next seq of each conversation (locking its row until the transaction ends, on
 * PostgreSQL). Conversations that do not exist are missing from the result.
 */
export async function bumpSeqs(
  trx: DbOrTx,
  conversationIds: string[],
  at: string,
): Promise<Map<string, number>> {
  const bumped = await trx
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_message_at: at, updated_at: at }))
    .where('id', 'in', conversationIds)
    .returning(['id', 'last_seq'])
    .execute();
  return new Map(bumped.map((c) => [c.id, c.last_seq]));
}

/** The row of a new message with its seq. */
export function messageRow(m: AppendMessage, seq: number): MessageRow {
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
    ...PLAIN_MESSAGE,
    mentions: m.mentions ?? null,
    forwarded: m.forwarded ? 1 : 0,
    thread_root_id: m.threadRootId ?? null,
    in_channel: m.inChannel === false ? 0 : 1,
  };
}
