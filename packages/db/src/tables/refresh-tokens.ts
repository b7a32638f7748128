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
}
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type NewRefreshTokenRow = Insertable<RefreshTokensTable>;
