import type { Insertable, Selectable } from 'kysely';

/**
 * One row per issued refresh token. Tokens of one login form a family; rotation marks the
 * spent token `used_at`, and presenting a spent token revokes the whole family.
 */
export interface RefreshTokensTable {
  id: string;
  family_id: string;
  user_id: string;
  /** SHA-256 of the secret half of the token; the secret itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
  /** Set when rotated: the id of the token issued in its place. */
  replaced_by: string | null;
  /** When the rotated token was presented again within the grace period (allowed once). */
  grace_used_at: string | null;
}
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type NewRefreshTokenRow = Insertable<RefreshTokensTable>;
