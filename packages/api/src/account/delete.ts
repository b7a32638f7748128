import { type DbOrTx, dialectOf, type MessageRow } from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { fileKeys } from '../files/files.ts';
import { leaveGroupIn } from '../groups/members.ts';
import { renderSystemText } from '../groups/system-messages.ts';
import type { DurableEvent } from '../live/events.ts';
import { type Emit, nowIso, writeWithEvents } from '../live/write.ts';
import { toMessageDto } from '../shared/mappers.ts';
import type { SystemPayload } from '../shared/schemas.ts';
import { requireReauthentication } from './reauth.ts';

/** What a deleted account is shown as in other members' history. */
export const DELETED_USER_NAME = 'Deleted user';

/**
 * Erases the caller's account, given a proof of re-authentication (docs/privacy.md):
 * - profile: the row stays as an anonymous "Deleted user" (other members' history points at
 *   it), with the email, name, about, avatar, last seen and settings erased; the email is
 *   free for a new account at once;
 * - the user's text messages are tombstoned like a delete (text and attachments gone) and so
 *   are their copies in the event log; group system messages naming them are re-rendered
 *   with "Deleted user";
 * - reactions, files (rows and bytes), blocks, broadcast lists, sessions, push subscriptions,
 *   pending notifications and email codes are removed;
 * - memberships end: groups keep working (the next admin is appointed as when leaving);
 *   direct chats stay with the other person, history readable.
 * Other members' devices hear `message.deleted`, `reaction.removed` and `member.left`.
 */
export async function deleteAccount(
  deps: ApiDeps,
  userId: string,
  /** From `users.reauthenticate` (password or fresh email code), at most 5 minutes old. */
  reauthToken: string,
): Promise<void> {
  await requireReauthentication(deps, userId, reauthToken);
  const user = await deps.db
    .selectFrom('users')
    .select(['email', 'deleted_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.deleted_at) {
    throw new DomainError({ code: 'UNAUTHORIZED', message: 'Account no longer exists' });
  }
  const fileIds = await writeWithEvents(deps, (trx, emit) =>
    erase(deps, trx, emit, userId, user.email),
  );
  for (const fileId of fileIds) {
    try {
      await deps.blobs.deletePrefix(fileKeys.prefix(fileId));
    } catch (error) {
      // The row is gone, so nobody can reach the bytes; operations can sweep orphans.
      deps.logger.error({ err: error, fileId }, 'removing a deleted account file failed');
    }
  }
  await optimizeSearchIndex(deps);
}

async function erase(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  userId: string,
  email: string,
): Promise<string[]> {
  const at = nowIso(deps);
  // The profile first: system messages posted from here on (leaving groups) name no one.
  await trx
    .updateTable('users')
    .set({
      email: `deleted-${userId}@deleted.invalid`,
      display_name: DELETED_USER_NAME,
      about: '',
      avatar_file_id: null,
      last_seen_at: null,
      last_seen_visibility: 'everyone',
      read_receipts: 1,
      updated_at: at,
      deleted_at: at,
    })
    .where('id', '=', userId)
    .execute();
  const rewritten = new Map<string, MessageRow>();

  // Own text messages: tombstones, as if the user had deleted each one.
  const own = await trx
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', userId)
    .where('kind', '=', 'text')
    .execute();
  const ownIds = own.map((m) => m.id);
  for (const chunk of chunks(ownIds)) {
    await trx.deleteFrom('reactions').where('message_id', 'in', chunk).execute();
    await trx.deleteFrom('message_attachments').where('message_id', 'in', chunk).execute();
    await trx.deleteFrom('notifications').where('message_id', 'in', chunk).execute();
    await trx
      .updateTable('messages')
      .set({ text: '', deleted_at: at })
      .where('id', 'in', chunk)
      .execute();
  }
  for (const m of own) {
    const tombstone = { ...m, text: '', deleted_at: m.deleted_at ?? at };
    rewritten.set(m.id, tombstone);
    if (m.deleted_at) continue;
    emit({
      event: {
        type: 'message.deleted',
        conversationId: m.conversation_id,
        message: toMessageDto(tombstone),
      },
    });
  }

  // System messages that name the user (as actor or subject): rendered again without the name.
  const mentions = await trx
    .selectFrom('messages')
    .selectAll()
    .where('kind', '=', 'system')
    .where('system', 'like', `%${userId}%`)
    .execute();
  for (const m of mentions) {
    const payload = JSON.parse(m.system ?? '{}') as SystemPayload;
    const ids = [payload.actorId, ...payload.userIds].filter((id): id is string => !!id);
    const names = await trx
      .selectFrom('users')
      .select(['id', 'display_name'])
      .where('id', 'in', ids.length > 0 ? ids : [''])
      .execute();
    const nameOf = new Map(names.map((u) => [u.id, u.display_name]));
    const text = renderSystemText(payload, (id) => (id && nameOf.get(id)) || 'Someone');
    await trx.updateTable('messages').set({ text }).where('id', '=', m.id).execute();
    rewritten.set(m.id, { ...m, text });
  }

  // Reactions on other people's messages.
  const reactions = await trx
    .selectFrom('reactions as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select(['r.message_id', 'r.emoji', 'm.conversation_id'])
    .where('r.user_id', '=', userId)
    .execute();
  await trx.deleteFrom('reactions').where('user_id', '=', userId).execute();
  for (const r of reactions) {
    emit({
      event: {
        type: 'reaction.removed',
        conversationId: r.conversation_id,
        messageId: r.message_id,
        userId,
        emoji: r.emoji,
      },
    });
  }

  // The event log keeps no copy of what was erased.
  await rewriteLoggedMessages(trx, userId, rewritten);
  await trx.deleteFrom('events').where('user_id', '=', userId).execute();
  // Profile changes sent to contacts carry the old name and about text: drop them too.
  await trx
    .deleteFrom('events')
    .where('type', '=', 'user.updated')
    .where('payload', 'like', `%"userId":${JSON.stringify(userId)}%`)
    .execute();

  // Files: rows now, bytes after the commit.
  const files = await trx.selectFrom('files').select('id').where('owner_id', '=', userId).execute();
  const fileIds = files.map((f) => f.id);
  for (const chunk of chunks(fileIds)) {
    await trx.deleteFrom('message_attachments').where('file_id', 'in', chunk).execute();
    await trx
      .updateTable('conversations')
      .set({ avatar_file_id: null })
      .where('avatar_file_id', 'in', chunk)
      .execute();
    await trx
      .updateTable('users')
      .set({ avatar_file_id: null })
      .where('avatar_file_id', 'in', chunk)
      .execute();
    await trx.deleteFrom('files').where('id', 'in', chunk).execute();
  }

  // Memberships: groups are left (a successor admin appointed), direct chats stay the
  // other person's, with a "Deleted user" as the peer.
  const memberships = await trx
    .selectFrom('members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select(['c.id', 'c.type'])
    .where('m.user_id', '=', userId)
    .execute();
  for (const c of memberships) {
    if (c.type === 'group') await leaveGroupIn(deps, trx, emit, userId, c.id);
  }

  const lists = await trx
    .selectFrom('broadcast_lists')
    .select('id')
    .where('owner_id', '=', userId)
    .execute();
  for (const chunk of chunks(lists.map((l) => l.id))) {
    await trx.deleteFrom('broadcast_recipients').where('list_id', 'in', chunk).execute();
  }
  await trx
    .updateTable('broadcast_sends')
    .set({ text: '' })
    .where('sender_id', '=', userId)
    .execute();
  await trx.deleteFrom('broadcast_recipients').where('user_id', '=', userId).execute();
  await trx.deleteFrom('blocks').where('blocker_id', '=', userId).execute();
  await trx.deleteFrom('blocks').where('blocked_id', '=', userId).execute();
  await trx.deleteFrom('refresh_tokens').where('user_id', '=', userId).execute();
  await trx.deleteFrom('push_subscriptions').where('user_id', '=', userId).execute();
  await trx.deleteFrom('notifications').where('user_id', '=', userId).execute();
  await trx.deleteFrom('password_credentials').where('user_id', '=', userId).execute();
  await trx.deleteFrom('email_codes').where('email', '=', email).execute();
  return fileIds;
}

/**
 * Message events in the log carry the message as it was: replace each copy of a rewritten
 * message (its creation, edits, deletion) with the rewritten one. Only events whose payload
 * mentions the user's id are read, so the cost follows the user's own footprint.
 */
async function rewriteLoggedMessages(
  trx: DbOrTx,
  userId: string,
  rewritten: Map<string, MessageRow>,
): Promise<void> {
  if (rewritten.size === 0) return;
  const rows = await trx
    .selectFrom('events')
    .select(['id', 'payload'])
    .where('type', 'in', ['message.created', 'message.edited', 'message.deleted'])
    .where('payload', 'like', `%${userId}%`)
    .execute();
  for (const row of rows) {
    const event = JSON.parse(row.payload) as DurableEvent;
    if (!('message' in event)) continue;
    const message = rewritten.get(event.message.id);
    if (!message) continue;
    const payload = JSON.stringify({ ...event, message: toMessageDto(message) });
    await trx.updateTable('events').set({ payload }).where('id', '=', row.id).execute();
  }
}

/**
 * SQLite's full-text index keeps deleted terms in its segments until they are merged; merge
 * them now so no erased word stays in the database file's index. PostgreSQL's index column is
 * rewritten with the row.
 */
async function optimizeSearchIndex(deps: ApiDeps): Promise<void> {
  if (dialectOf(deps.db) !== 'sqlite') return;
  await sql`insert into messages_fts(messages_fts) values ('optimize')`.execute(deps.db);
}

function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
