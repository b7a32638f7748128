import type { DbOrTx, MessageRow } from '@parley/db';
import { DomainError } from '../errors.ts';
import { EVERYONE, type MentionDto } from '../shared/schemas.ts';

/** Most mentions one message may carry. */
export const MAX_MENTIONS = 50;

function badMention(message: string): DomainError {
  return new DomainError({ code: 'BAD_REQUEST', message });
}

/**
 * The ranges alone (no database): inside the text, not overlapping, one per user. Sorted by
 * start, as stored. Empty input gives null (nothing stored).
 */
export function checkMentionRanges(text: string, mentions: MentionDto[] | undefined) {
  if (!mentions || mentions.length === 0) return null;
  const sorted = [...mentions].sort((a, b) => a.start - b.start);
  let end = 0;
  for (const m of sorted) {
    if (m.length < 1 || m.start < 0 || m.start + m.length > text.length) {
      throw badMention('A mention range lies outside the message text');
    }
    if (m.start < end) throw badMention('Mention ranges overlap');
    end = m.start + m.length;
  }
  return sorted;
}

/**
 * Inside the send or edit transaction: every mentioned user is a member of the conversation;
 * @everyone only in groups and only by their admins.
 */
export async function checkMentionedMembers(
  trx: DbOrTx,
  conversationId: string,
  senderId: string,
  memberIds: Set<string>,
  mentions: MentionDto[],
): Promise<void> {
  for (const m of mentions) {
    if (m.userId !== EVERYONE && !memberIds.has(m.userId)) {
      throw badMention('A mentioned user is not a member of this conversation');
    }
  }
  if (!mentions.some((m) => m.userId === EVERYONE)) return;
  const row = await trx
    .selectFrom('conversations as c')
    .innerJoin('members as m', 'm.conversation_id', 'c.id')
    .select(['c.type', 'm.role'])
    .where('c.id', '=', conversationId)
    .where('m.user_id', '=', senderId)
    .executeTakeFirst();
  if (row?.type !== 'group') throw badMention('@everyone is only for groups');
  if (row.role !== 'admin') {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Only group admins can mention everyone' });
  }
}

/** The users a message mentions ('*' for @everyone), from its stored JSON. */
export function mentionedIds(row: Pick<MessageRow, 'mentions'>): Set<string> {
  if (!row.mentions) return new Set();
  const list = JSON.parse(row.mentions) as MentionDto[];
  return new Set(list.map((m) => (m.userId === EVERYONE ? '*' : m.userId)));
}

/** Replaces the mention index rows of a message (unread-mention counts read them). */
export async function indexMentions(trx: DbOrTx, row: MessageRow, replace: boolean) {
  if (replace) await trx.deleteFrom('message_mentions').where('message_id', '=', row.id).execute();
  const ids = mentionedIds(row);
  if (ids.size === 0) return;
  await trx
    .insertInto('message_mentions')
    .values(
      [...ids].map((userId) => ({
        message_id: row.id,
        conversation_id: row.conversation_id,
        seq: row.seq,
        sender_id: row.sender_id,
        user_id: userId,
      })),
    )
    .execute();
}
