import type { ConversationRow, Database, DbOrTx, MemberRow } from '@parley/db';
import { type ExpressionBuilder, type RawBuilder, sql } from 'kysely';
import { cannotMessage } from '../blocks/blocks.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { lastMessages } from '../messages/queries.ts';
import { maskReads, readHiddenFor } from '../privacy/privacy.ts';
import { requireMember } from '../shared/access.ts';
import { afterKeyset, decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import { retentionOf, toMessageDto, toUserDto } from '../shared/mappers.ts';
import type { ConversationDto, ParticipantDto } from '../shared/schemas.ts';
import { type DirectContext, directKey, ensureDirectChats } from './direct-chats.ts';

export async function openDirect(
  deps: ApiDeps,
  callerId: string,
  input: { userId: string; context?: DirectContext },
): Promise<ConversationDto> {
  if (input.userId === callerId) {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: 'Cannot open a direct chat with yourself',
    });
  }
  // An erased account's access token lives on until it expires: it opens nothing.
  const caller = await deps.db
    .selectFrom('users')
    .select('deleted_at')
    .where('id', '=', callerId)
    .executeTakeFirst();
  if (!caller || caller.deleted_at) {
    throw new DomainError({ code: 'UNAUTHORIZED', message: 'Account no longer exists' });
  }
  // Someone who blocked the caller cannot be reached, new chat or old: the same answer as a
  // send into that chat, revealing no more (the blocker may still open theirs).
  const blocked = await deps.db
    .selectFrom('blocks')
    .select('blocker_id')
    .where('blocker_id', '=', input.userId)
    .where('blocked_id', '=', callerId)
    .executeTakeFirst();
  if (blocked) throw cannotMessage();
  const existing = await deps.db
    .selectFrom('conversations')
    .select('id')
    .where('direct_key', '=', directKey(callerId, input.userId, input.context))
    .executeTakeFirst();
  if (existing) return getConversation(deps, callerId, existing.id);
  const chats = await writeWithEvents(deps, (trx, emit) =>
    ensureDirectChats(deps, trx, emit, callerId, [input.userId], input.context),
  );
  return getConversation(deps, callerId, chats.get(input.userId)!);
}

type MemberView = ConversationRow &
  Pick<
    MemberRow,
    | 'role'
    | 'joined_seq'
    | 'last_read_seq'
    | 'last_delivered_seq'
    | 'muted_until'
    | 'archived_seq'
    | 'pinned_at'
    | 'marked_unread'
    | 'draft_text'
    | 'draft_updated_at'
  > & {
    unread_count: number | null;
    member_count: number | null;
    unread_mention_count: number | null;
  };

/**
 * Archived: archived as of a seq, and no message after it, or muted (a muted chat stays
 * archived whatever arrives). Derived when read, so sending never writes archive state.
 */
export function isArchived(
  row: Pick<MemberView, 'archived_seq' | 'last_seq' | 'muted_until'>,
  now: string,
): boolean {
  if (row.archived_seq === null) return false;
  const muted = row.muted_until !== null && row.muted_until > now;
  return muted || row.last_seq <= row.archived_seq;
}

/** The caller's per-member view of conversations; the one definition of the unread count. */
export function conversationsOf(db: DbOrTx, userId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('members as m', (j) =>
      j.onRef('m.conversation_id', '=', 'c.id').on('m.user_id', '=', userId),
    )
    .selectAll('c')
    .select([
      'm.role',
      'm.joined_seq',
      'm.last_read_seq',
      'm.last_delivered_seq',
      'm.muted_until',
      'm.archived_seq',
      'm.pinned_at',
      'm.marked_unread',
      'm.draft_text',
      'm.draft_updated_at',
    ])
    .select((eb) =>
      eb
        .selectFrom('members as mc')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('mc.conversation_id', '=', 'c.id')
        .as('member_count'),
    )
    .select((eb) => unreadCountOf(eb, userId).as('unread_count'))
    .select((eb) => unreadMentionCountOf(eb, userId).as('unread_mention_count'));
}

/**
 * Member `m`'s unread messages in conversation `c`; `who` is `m.user_id` (a value or a ref).
 * When the member's stored count is current (same read watermark, same `unread_epoch`: see
 * `MembersTable.unread_cache`) it is that count plus the messages after where it was taken, so
 * a count reads only what arrived since; otherwise every message after the read watermark.
 */
function unreadCountOf(eb: MemberViewBuilder, who: string | RawBuilder<string>) {
  const stored = storedCountIsCurrent(eb);
  return eb(
    eb.case().when(stored).then(eb.ref('m.unread_cache')).else(sql.lit(0)).end(),
    '+',
    eb
      .selectFrom('messages as x')
      .select((e) => e.fn.countAll<number>().as('n'))
      .whereRef('x.conversation_id', '=', 'c.id')
      .where(
        'x.seq',
        '>',
        eb
          .case()
          .when(stored)
          .then(eb.ref('m.unread_cache_seq'))
          .else(eb.ref('m.last_read_seq'))
          .end(),
      )
      .where('x.sender_id', '<>', who)
      .where('x.kind', '=', 'text')
      .where('x.deleted_at', 'is', null)
      .where('x.in_channel', '=', 1),
  );
}

/** Whether member `m`'s stored unread count still holds (see `unreadCountOf`). */
function storedCountIsCurrent(eb: MemberViewBuilder) {
  return eb.and([
    eb('m.unread_cache_read_seq', '=', eb.ref('m.last_read_seq')),
    eb('m.unread_cache_epoch', '=', eb.ref('c.unread_epoch')),
  ]);
}

/** Member `m`'s unread mentions in conversation `c` (see `unreadCountOf`). */
function unreadMentionCountOf(eb: MemberViewBuilder, who: string | RawBuilder<string>) {
  return eb
    .selectFrom('message_mentions as mm')
    .select((e) => e.fn.countAll<number>().as('n'))
    .whereRef('mm.conversation_id', '=', 'c.id')
    .where('mm.user_id', 'in', [who, '*'])
    .whereRef('mm.seq', '>', 'm.last_read_seq')
    .where('mm.sender_id', '<>', who);
}

type MemberViewBuilder = ExpressionBuilder<
  Database & { c: Database['conversations']; m: Database['members'] },
  'c' | 'm'
>;

/** Members' unread counts (`unread_count`, `unread_mention_count`), as `conversationsOf` counts. */
function unreadCountsQuery(db: DbOrTx) {
  const who = sql.ref<string>('m.user_id');
  return db
    .selectFrom('conversations as c')
    .innerJoin('members as m', 'm.conversation_id', 'c.id')
    .select(['m.conversation_id', 'm.user_id'])
    .select((eb) => unreadCountOf(eb, who).as('unread_count'))
    .select((eb) => unreadMentionCountOf(eb, who).as('unread_mention_count'));
}

/**
 * The unread counts of several members at once (one statement), as `conversationsOf` counts
 * them; keyed by `conversationId + "\u0000" + userId`. Members not found are absent.
 */
export async function unreadCountsOf(
  db: DbOrTx,
  members: { conversationId: string; userId: string }[],
): Promise<Map<string, { unreadCount: number; unreadMentionCount: number }>> {
  const counts = new Map<string, { unreadCount: number; unreadMentionCount: number }>();
  if (members.length === 0) return counts;
  const rows = await unreadCountsQuery(db)
    .where((eb) =>
      eb(
        eb.refTuple('m.conversation_id', 'm.user_id'),
        'in',
        members.map((m) => eb.tuple(m.conversationId, m.userId)),
      ),
    )
    .execute();
  for (const row of rows) {
    counts.set(`${row.conversation_id}\u0000${row.user_id}`, {
      unreadCount: Number(row.unread_count),
      unreadMentionCount: Number(row.unread_mention_count),
    });
  }
  return counts;
}

const CONVERSATION = '\u0000conversation';
const USER = '\u0000user';

/**
 * `unreadCountsOf` for one member as SQL text, for a writer that runs it as a prepared
 * statement (the SQLite receipt writer, inside its transaction): the same query, built by the
 * same expressions, and how to bind a member to its parameters. Its row also has what the
 * writer stores the count with (`last_seq`, `unread_epoch`, `last_read_seq`) and `stored_seq`.
 */
export function unreadCountStatement(db: DbOrTx): {
  sql: string;
  parameters(conversationId: string, userId: string): unknown[];
} {
  const compiled = unreadCountsQuery(db)
    // What a writer stores the count with (`MembersTable.unread_cache`), and where the stored
    // count was taken when it is current (-1: not current).
    .select(['c.last_seq', 'c.unread_epoch', 'm.last_read_seq'])
    .select((eb) =>
      eb
        .case()
        .when(storedCountIsCurrent(eb))
        .then(eb.ref('m.unread_cache_seq'))
        .else(sql.lit(-1))
        .end()
        .as('stored_seq'),
    )
    .where('m.conversation_id', '=', CONVERSATION)
    .where('m.user_id', '=', USER)
    .compile();
  const template = compiled.parameters;
  return {
    sql: compiled.sql,
    parameters: (conversationId, userId) =>
      template.map((p) => (p === CONVERSATION ? conversationId : p === USER ? userId : p)),
  };
}

/** Adds peers and last messages to member views with two batched queries. */
async function toConversationDtos(
  deps: ApiDeps,
  userId: string,
  rows: MemberView[],
): Promise<ConversationDto[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const directIds = rows.filter((r) => r.type === 'direct').map((r) => r.id);
  const peers =
    directIds.length === 0
      ? []
      : await deps.db
          .selectFrom('members')
          .innerJoin('users', 'users.id', 'members.user_id')
          .selectAll('users')
          .select('members.conversation_id')
          .where('members.conversation_id', 'in', directIds)
          .where('members.user_id', '<>', userId)
          .execute();
  const latest = await lastMessages(deps.db, ids);
  const now = nowIso(deps);
  return rows.map((r) => {
    const peer = peers.find((p) => p.conversation_id === r.id);
    const last = latest.find((m) => m.message.conversation_id === r.id);
    return {
      id: r.id,
      type: r.type,
      title: r.title,
      description: r.description,
      avatarFileId: r.avatar_file_id,
      contextType: r.context_type,
      contextId: r.context_id,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      lastSeq: r.last_seq,
      peer: peer ? toUserDto(peer) : null,
      myRole: r.role,
      lastReadSeq: r.last_read_seq,
      lastDeliveredSeq: r.last_delivered_seq,
      unreadCount: Number(r.unread_count),
      unreadMentionCount: Number(r.unread_mention_count),
      // A mute that has run out reads as not muted.
      mutedUntil: r.muted_until !== null && r.muted_until > now ? r.muted_until : null,
      memberCount: Number(r.member_count),
      archived: isArchived(r, now),
      pinnedAt: r.pinned_at,
      markedUnread: r.marked_unread === 1,
      draft:
        r.draft_text === ''
          ? null
          : { conversationId: r.id, text: r.draft_text, updatedAt: r.draft_updated_at },
      messageRetention: retentionOf(r.message_retention_seconds),
      lastMessage:
        last && last.message.seq > r.joined_seq
          ? toMessageDto(last.message, last.reactions, null, last.attachments)
          : null,
    };
  });
}

export async function getConversation(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
): Promise<ConversationDto> {
  const row = await conversationsOf(deps.db, userId)
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!row) throw notFound('Conversation');
  const [dto] = await toConversationDtos(deps, userId, [row]);
  return dto!;
}

/**
 * The caller's conversations, most recent activity first. Without `archived`: the chats that
 * are not archived, the pinned ones (at most 5) first on the first page; with it: only the
 * archived ones. The archive test runs in SQL so that pages stay full and cursors stable.
 */
export async function listConversations(
  deps: ApiDeps,
  userId: string,
  input: { cursor?: string | null; limit?: number; archived?: boolean },
): Promise<{ items: ConversationDto[]; nextCursor: string | null }> {
  const limit = pageLimit(deps.limits, input.limit);
  const now = nowIso(deps);
  const archived = sql<boolean>`(m.archived_seq is not null and (c.last_seq <= m.archived_seq
    or (m.muted_until is not null and m.muted_until > ${now})))`;
  let query = conversationsOf(deps.db, userId).where(
    input.archived ? archived : sql<boolean>`not ${archived}`,
  );
  let pinned: MemberView[] = [];
  if (!input.archived) {
    if (!input.cursor) {
      pinned = await query
        .where('m.pinned_at', 'is not', null)
        .orderBy('m.pinned_at', 'desc')
        .orderBy('c.id', 'desc')
        .execute();
    }
    query = query.where('m.pinned_at', 'is', null);
  }
  const after = decodeCursor(input.cursor, 2);
  if (after) {
    const [updatedAt, id] = after as [string, string];
    query = query.where(
      afterKeyset(
        { column: sql.ref('c.updated_at'), direction: 'desc', value: updatedAt },
        { column: sql.ref('c.id'), direction: 'desc', value: id },
      ),
    );
  }
  const rows = await query
    .orderBy('c.updated_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [last.updated_at, last.id]);
  return { items: await toConversationDtos(deps, userId, [...pinned, ...page]), nextCursor };
}

export async function listParticipants(
  deps: ApiDeps,
  userId: string,
  conversationId: string,
): Promise<ParticipantDto[]> {
  await requireMember(deps.db, conversationId, userId);
  const rows = await deps.db
    .selectFrom('members')
    .innerJoin('users', 'users.id', 'members.user_id')
    .selectAll('users')
    .select([
      'members.role',
      'members.joined_at',
      'members.last_delivered_seq',
      'members.last_read_seq',
    ])
    .where('members.conversation_id', '=', conversationId)
    .orderBy('members.joined_at')
    .orderBy('users.id')
    .execute();
  const hidden = await readHiddenFor(
    deps.db,
    userId,
    rows.map((r) => r.id),
  );
  return maskReads(rows, (r) => r.id, hidden).map((r) => ({
    user: toUserDto(r),
    role: r.role,
    joinedAt: r.joined_at,
    lastDeliveredSeq: r.last_delivered_seq,
    lastReadSeq: r.last_read_seq,
  }));
}
