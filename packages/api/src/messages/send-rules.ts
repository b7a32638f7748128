import type { MessageRow } from '@parley/db';
import { cannotMessage } from '../blocks/blocks.ts';
import { DomainError, notFound } from '../errors.ts';
import type { MemberMark, SendOutcome } from './send-batch.ts';

// The checks a send makes, written once for both writers (prepared SQLite and Kysely).

/** The sender's membership among the conversation's members, or NOT_FOUND. */
export function requireSender(members: MemberMark[], senderId: string): MemberMark {
  const me = members.find((m) => m.user_id === senderId);
  if (!me) throw notFound('Conversation');
  return me;
}

/** A reply must point at a message of the same conversation that the sender can see. */
export function checkReplyTarget(
  me: MemberMark,
  conversationId: string,
  target: { conversation_id: string; seq: number } | undefined,
): void {
  if (!target || target.conversation_id !== conversationId || target.seq <= me.joined_seq) {
    throw notFound('Reply target message');
  }
}

/**
 * A send whose (sender, clientMessageId) is already stored: the stored message when it is in
 * the same conversation (a retry), CONFLICT when the id was used for another conversation.
 */
export function conflictOrExisting(
  stored: MessageRow,
  conversationId: string,
): Exclude<SendOutcome, { kind: 'stored' }> {
  if (stored.conversation_id !== conversationId) {
    return {
      kind: 'failed',
      error: new DomainError({
        code: 'CONFLICT',
        message: 'clientMessageId was already used for another conversation',
      }),
    };
  }
  return { kind: 'existing', row: stored };
}

/** The unique (sender, clientMessageId) constraint refused an insert (SQLite or PostgreSQL). */
export function isDuplicateClientId(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code === '23505') return e.constraint === 'messages_sender_client_id_uq';
  return (
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof e.message === 'string' &&
    e.message.includes('client_message_id')
  );
}

/**
 * Direct chats only: a send between two users where either blocked the other is refused. The
 * blocked sender hears only "you cannot message this user"; the blocker is told to unblock.
 * `blockerOf` runs only for two-member conversations (every direct chat, and groups of two),
 * so group sends pay nothing for it; it answers the blocker's id when the conversation is a
 * direct chat and a block exists between its members.
 */
export function checkNotBlocked(
  members: MemberMark[],
  senderId: string,
  blockerOf: (peerId: string) => string | undefined,
): void {
  if (members.length !== 2) return;
  const peer = members.find((m) => m.user_id !== senderId);
  if (!peer) return;
  const blocker = blockerOf(peer.user_id);
  if (blocker === undefined) return;
  if (blocker === senderId) {
    throw new DomainError({
      code: 'FORBIDDEN',
      message: 'You blocked this user; unblock them to send messages',
    });
  }
  throw cannotMessage();
}
