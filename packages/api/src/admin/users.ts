import type { UserRow } from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { writeWithEvents } from '../live/write.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import { recordAudit } from './audit.ts';
import { effectiveRole } from './roles.ts';
import type { AdminUserDto, ServerRoleDto } from './schemas.ts';

export function toAdminUserDto(deps: ApiDeps, row: UserRow): AdminUserDto {
  const active =
    row.banned_at !== null &&
    (row.banned_until === null || Date.parse(row.banned_until) > deps.clock.now());
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    isBot: row.kind === 'bot',
    role: effectiveRole(deps, row),
    banned: active,
    bannedUntil: active ? row.banned_until : null,
    banReason: active ? row.ban_reason : null,
    createdAt: row.created_at,
  };
}

export async function getAdminUser(deps: ApiDeps, userId: string): Promise<AdminUserDto> {
  const row = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound('User');
  return toAdminUserDto(deps, row);
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Accounts whose email contains `q` (case-insensitive), by email. */
export async function searchUsersByEmail(
  deps: ApiDeps,
  input: { q: string; cursor?: string | null; limit?: number },
): Promise<{ items: AdminUserDto[]; nextCursor: string | null }> {
  const limit = pageLimit(deps.limits, input.limit);
  const pattern = `%${escapeLike(input.q.trim().toLowerCase())}%`;
  const after = decodeCursor(input.cursor, 1);
  let query = deps.db
    .selectFrom('users')
    .selectAll()
    .where(sql<boolean>`email like ${pattern} escape '\\'`);
  if (after) query = query.where('email', '>', after[0]!);
  const rows = await query
    .orderBy('email')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [last.email]);
  return { items: page.map((r) => toAdminUserDto(deps, r)), nextCursor };
}

/** Admins only; the ADMIN_EMAILS admins stay admins whatever is stored. */
export async function setServerRole(
  deps: ApiDeps,
  actorId: string,
  input: { userId: string; role: ServerRoleDto },
): Promise<AdminUserDto> {
  await writeWithEvents(deps, async (trx) => {
    const target = await trx
      .selectFrom('users')
      .select(['id', 'kind'])
      .where('id', '=', input.userId)
      .executeTakeFirst();
    if (!target) throw notFound('User');
    if (target.kind === 'bot') {
      throw new DomainError({ code: 'FORBIDDEN', message: 'Bots cannot have a server role' });
    }
    await trx
      .updateTable('users')
      .set({ role: input.role })
      .where('id', '=', input.userId)
      .execute();
    await recordAudit(deps, trx, {
      actorId,
      action: 'user.role_changed',
      targetType: 'user',
      targetId: input.userId,
      details: { role: input.role },
    });
  });
  return getAdminUser(deps, input.userId);
}
