import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { nowIso } from '../live/write.ts';

export interface SessionDto {
  /** The refresh-token family: one per login, kept through every rotation. */
  id: string;
  /** When the login happened. */
  createdAt: string;
  /** The last time its refresh token was rotated (or the login, if never). */
  lastRefreshedAt: string;
  expiresAt: string;
}

/**
 * The caller's active sessions: refresh-token families that still hold a usable token
 * (neither spent, revoked nor expired). Newest activity first.
 */
export async function listSessions(deps: ApiDeps, userId: string): Promise<SessionDto[]> {
  const now = nowIso(deps);
  const rows = await deps.db
    .selectFrom('refresh_tokens')
    .select([
      'family_id',
      sql<string>`min(created_at)`.as('created_at'),
      sql<string>`max(created_at)`.as('last_refreshed_at'),
      sql<string>`max(expires_at)`.as('expires_at'),
    ])
    .where('user_id', '=', userId)
    .where('family_id', 'in', (eb) =>
      eb
        .selectFrom('refresh_tokens')
        .select('family_id')
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now),
    )
    .groupBy('family_id')
    .execute();
  return rows
    .map((r) => ({
      id: r.family_id,
      createdAt: r.created_at,
      lastRefreshedAt: r.last_refreshed_at,
      expiresAt: r.expires_at,
    }))
    .sort((a, b) => (a.lastRefreshedAt < b.lastRefreshedAt ? 1 : -1));
}

/**
 * Ends one of the caller's sessions: its refresh token stops working at once (access tokens
 * already issued run out within ACCESS_TOKEN_TTL). Another user's session is NOT_FOUND.
 */
export async function revokeSession(deps: ApiDeps, userId: string, sessionId: string) {
  const family = await deps.db
    .selectFrom('refresh_tokens')
    .select('id')
    .where('family_id', '=', sessionId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!family) throw notFound('Session');
  await deps.db
    .updateTable('refresh_tokens')
    .set({ revoked_at: nowIso(deps) })
    .where('family_id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
