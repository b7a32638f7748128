import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { requireAvatarImage } from '../files/attachments.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { afterKeyset, decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import { toMeDto, toUserDto } from '../shared/mappers.ts';
import { presenceAudienceOf } from '../shared/recipients.ts';
import type { MeDto, UserDto } from '../shared/schemas.ts';

export async function getMe(deps: ApiDeps, userId: string): Promise<MeDto> {
  const row = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new DomainError({ code: 'UNAUTHORIZED', message: 'Account no longer exists' });
  return toMeDto(row);
}

export async function updateMe(
  deps: ApiDeps,
  userId: string,
  patch: { displayName?: string; about?: string; avatarFileId?: string | null },
): Promise<MeDto> {
  const now = nowIso(deps);
  const set: {
    display_name?: string;
    about?: string;
    avatar_file_id?: string | null;
    updated_at: string;
  } = { updated_at: now };
  if (patch.displayName !== undefined) set.display_name = patch.displayName.trim();
  if (patch.about !== undefined) set.about = patch.about;
  await writeWithEvents(deps, async (trx, emit) => {
    if (patch.avatarFileId) await requireAvatarImage(trx, userId, patch.avatarFileId, now);
    if (patch.avatarFileId !== undefined) set.avatar_file_id = patch.avatarFileId;
    await trx.updateTable('users').set(set).where('id', '=', userId).execute();
    const row = await trx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    // The user's devices and the people who see them: as presence, direct chats and groups up
    // to the presence size limit (in bigger groups clients fetch profiles they show).
    const audience = await presenceAudienceOf(trx, userId, deps.limits.presenceGroupMaxMembers);
    const user = toUserDto(row);
    for (const to of [userId, ...audience]) {
      emit({ onlyUserId: to, event: { type: 'user.updated', userId, user } });
    }
  });
  return getMe(deps, userId);
}

export async function getUser(deps: ApiDeps, userId: string): Promise<UserDto> {
  const row = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound('User');
  return toUserDto(row);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Users whose display name (any word of it) starts with `q`, or whose email is exactly `q`
 * (case-insensitive), ordered by name. Emails are matched but never returned: results are
 * public profiles. Only the whole address matches, so a prefix grown one character at a time
 * cannot recover an address.
 */
export async function searchUsers(
  deps: ApiDeps,
  callerId: string,
  input: { q: string; cursor?: string | null; limit?: number },
): Promise<{ items: UserDto[]; nextCursor: string | null }> {
  const limit = pageLimit(deps.limits, input.limit);
  const q = input.q.trim().toLowerCase();
  const prefix = escapeLike(q);
  const after = decodeCursor(input.cursor, 2);
  let query = deps.db
    .selectFrom('users')
    .selectAll()
    .where('id', '<>', callerId)
    .where('deleted_at', 'is', null)
    // Explicit ESCAPE: SQLite's LIKE has no default escape character.
    .where(
      sql<boolean>`(lower(display_name) like ${`${prefix}%`} escape '\\'
        or lower(display_name) like ${`% ${prefix}%`} escape '\\'
        or email = ${q})`,
    );
  if (after) {
    const [name, id] = after as [string, string];
    query = query.where(
      afterKeyset(
        { column: sql`lower(display_name)`, direction: 'asc', value: name },
        { column: sql.ref('id'), direction: 'asc', value: id },
      ),
    );
  }
  const rows = await query
    .orderBy((eb) => eb.fn('lower', ['display_name']))
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [
    last.display_name.toLowerCase(),
    last.id,
  ]);
  return { items: page.map(toUserDto), nextCursor };
}
