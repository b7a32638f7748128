import { readOffMainThread } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { toFileDto } from '../files/files.ts';
import { nowIso } from '../live/write.ts';
import type { MeDto } from '../shared/schemas.ts';
import { getMe } from '../users/users.ts';
import { listSessions, type SessionDto } from './sessions.ts';

/**
 * Everything Parley holds about the caller, as one JSON document (GDPR art. 15/20): their
 * profile and settings, their conversations (ids, type, group titles, their role), every
 * message and reaction they wrote, their files' metadata with a download link each, their
 * blocks, broadcast lists and sessions. Other people's data is left out: no other member's
 * profile, message or email, only ids where the user's own data points at them.
 */
export async function exportAccount(deps: ApiDeps, userId: string) {
  const profile: MeDto = await getMe(deps, userId);
  const [conversations, messages, attachments, reactions, files, lists, sessions, blocks] =
    await Promise.all([
      deps.db
        .selectFrom('members as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .select(['c.id', 'c.type', 'c.title', 'c.context_type', 'c.context_id', 'm.role'])
        .select(['m.joined_at', 'm.last_read_seq', 'm.muted_until'])
        .where('m.user_id', '=', userId)
        .orderBy('c.id')
        .execute(),
      // A user's whole history can be large: read off the main thread where that exists.
      readOffMainThread(
        deps.db,
        deps.db
          .selectFrom('messages')
          .selectAll()
          .where('sender_id', '=', userId)
          .where('kind', '=', 'text')
          .orderBy('created_at')
          .orderBy('id'),
      ),
      readOffMainThread(
        deps.db,
        deps.db
          .selectFrom('message_attachments as a')
          .innerJoin('messages as m', 'm.id', 'a.message_id')
          .select(['a.message_id', 'a.file_id', 'a.position'])
          .where('m.sender_id', '=', userId)
          .orderBy('a.position'),
      ),
      readOffMainThread(
        deps.db,
        deps.db
          .selectFrom('reactions')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at'),
      ),
      deps.db
        .selectFrom('files')
        .selectAll()
        .where('owner_id', '=', userId)
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .execute(),
      deps.db
        .selectFrom('broadcast_lists')
        .selectAll()
        .where('owner_id', '=', userId)
        .orderBy('created_at')
        .execute(),
      listSessions(deps, userId),
      deps.db
        .selectFrom('blocks')
        .select(['blocked_id', 'created_at'])
        .where('blocker_id', '=', userId)
        .orderBy('created_at')
        .execute(),
    ]);
  const filesOf = new Map<string, string[]>();
  for (const a of attachments) {
    filesOf.set(a.message_id, [...(filesOf.get(a.message_id) ?? []), a.file_id]);
  }
  return {
    format: 'parley-export-v1' as const,
    exportedAt: nowIso(deps),
    profile,
    conversations: conversations.map((c) => ({
      id: c.id,
      type: c.type,
      title: c.title,
      contextType: c.context_type,
      contextId: c.context_id,
      role: c.role,
      joinedAt: c.joined_at,
      lastReadSeq: c.last_read_seq,
      mutedUntil: c.muted_until,
    })),
    messages: messages.map((m) => ({
      id: m.id,
      conversationId: m.conversation_id,
      seq: m.seq,
      text: m.text,
      replyToId: m.reply_to_id,
      createdAt: m.created_at,
      editedAt: m.edited_at,
      deletedAt: m.deleted_at,
      attachmentFileIds: filesOf.get(m.id) ?? [],
    })),
    reactions: reactions.map((r) => ({
      messageId: r.message_id,
      emoji: r.emoji,
      createdAt: r.created_at,
    })),
    files: files.map((f) => ({
      ...toFileDto(f),
      sha256: f.sha256,
      /** Download with the same bearer token (REST). */
      url: `/api/v1/files/${f.id}`,
    })),
    broadcastLists: lists.map((l) => ({ id: l.id, name: l.name, createdAt: l.created_at })),
    blocks: blocks.map((b) => ({ userId: b.blocked_id, blockedAt: b.created_at })),
    sessions: sessions satisfies SessionDto[],
  };
}

export type AccountExport = Awaited<ReturnType<typeof exportAccount>>;
