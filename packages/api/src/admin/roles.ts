import type { DbOrTx, ServerRole } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { authedProcedure } from '../trpc.ts';

const RANK: Record<ServerRole, number> = { user: 0, moderator: 1, admin: 2 };

/** The stored role, raised to admin when the email is in ADMIN_EMAILS. */
export function effectiveRole(
  deps: ApiDeps,
  row: { email: string; role: ServerRole; kind: string },
): ServerRole {
  if (row.kind === 'bot') return 'user';
  if (deps.adminEmails?.includes(row.email)) return 'admin';
  return row.role;
}

export async function roleOf(deps: ApiDeps, trx: DbOrTx, userId: string): Promise<ServerRole> {
  const row = await trx
    .selectFrom('users')
    .select(['email', 'role', 'kind'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return row ? effectiveRole(deps, row) : 'user';
}

export function outranks(actor: ServerRole, target: ServerRole): boolean {
  return RANK[actor] > RANK[target];
}

function requireRole(minimum: ServerRole) {
  return authedProcedure.use(async function requireServerRole({ ctx, next }) {
    const role = await roleOf(ctx.deps, ctx.deps.db, ctx.userId);
    // Everyone else is told nothing about the moderation surface.
    if (RANK[role] < RANK[minimum]) {
      throw new DomainError({ code: 'FORBIDDEN', message: `Only ${minimum}s may do this` });
    }
    return next({ ctx: { ...ctx, role } });
  });
}

/** Moderators and admins: reports, bans, message removal, user search, the audit log. */
export const moderatorProcedure = requireRole('moderator');
/** Admins only: roles, API keys, integration webhooks. */
export const adminProcedure = requireRole('admin');
