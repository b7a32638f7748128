import type { DbOrTx, ServerRole } from '@parley/db';
import type { LiveServices } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { type Emit, nowIso, writeWithEvents } from '../live/write.ts';
import { recordAudit } from './audit.ts';
import { effectiveRole, outranks } from './roles.ts';
import type { AdminUserDto } from './schemas.ts';
import { getAdminUser } from './users.ts';

export interface Actor {
  userId: string;
  role: ServerRole;
}

/**
 * Bans inside the caller's transaction: the user's refresh tokens are revoked (they log in
 * again after an unban) and `account.banned` is logged for them, which ends their live streams
 * on every instance. The caller updates this instance's ban list after the commit.
 */
export async function applyBan(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  input: { userId: string; until: string | null; reason: string | null },
): Promise<void> {
  const now = nowIso(deps);
  await trx
    .updateTable('users')
    .set({ banned_at: now, banned_until: input.until, ban_reason: input.reason })
    .where('id', '=', input.userId)
    .execute();
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', input.userId)
    .where('revoked_at', 'is', null)
    .execute();
  emit({
    event: { type: 'account.banned', userId: input.userId, until: input.until },
    onlyUserId: input.userId,
  });
}

export async function requireBannable(deps: ApiDeps, trx: DbOrTx, actor: Actor, userId: string) {
  const target = await trx
    .selectFrom('users')
    .select(['id', 'email', 'role', 'kind'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!target) throw notFound('User');
  if (target.id === actor.userId) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'You cannot ban yourself' });
  }
  if (!outranks(actor.role, effectiveRole(deps, target))) {
    throw new DomainError({
      code: 'FORBIDDEN',
      message: 'Only an admin can ban a moderator, and admins cannot be banned',
    });
  }
}

export async function banUser(
  deps: ApiDeps,
  live: LiveServices,
  actor: Actor,
  input: { userId: string; until?: string | undefined; reason?: string | undefined },
  extra: { reportId?: string } = {},
): Promise<AdminUserDto> {
  const until = input.until ? new Date(input.until).toISOString() : null;
  if (until && Date.parse(until) <= deps.clock.now()) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'until must be in the future' });
  }
  const reason = input.reason?.trim() || null;
  await writeWithEvents(deps, async (trx, emit) => {
    await requireBannable(deps, trx, actor, input.userId);
    await applyBan(deps, trx, emit, { userId: input.userId, until, reason });
    await recordAudit(deps, trx, {
      actorId: actor.userId,
      action: 'user.banned',
      targetType: 'user',
      targetId: input.userId,
      details: { until, reason, ...(extra.reportId ? { reportId: extra.reportId } : {}) },
    });
  });
  live.bans.ban(input.userId, until);
  return getAdminUser(deps, input.userId);
}

export async function unbanUser(
  deps: ApiDeps,
  live: LiveServices,
  actor: Actor,
  userId: string,
): Promise<AdminUserDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    await requireBannable(deps, trx, actor, userId);
    await trx
      .updateTable('users')
      .set({ banned_at: null, banned_until: null, ban_reason: null })
      .where('id', '=', userId)
      .execute();
    emit({ event: { type: 'account.unbanned', userId }, onlyUserId: userId });
    await recordAudit(deps, trx, {
      actorId: actor.userId,
      action: 'user.unbanned',
      targetType: 'user',
      targetId: userId,
    });
  });
  live.bans.unban(userId);
  return getAdminUser(deps, userId);
}
