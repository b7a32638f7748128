import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type ServerRole = 'user' | 'moderator' | 'admin';
export type UserKind = 'person' | 'bot';

/** Timestamps are ISO-8601 UTC strings in both dialects, so they sort as text. */
export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  about: string;
  avatar_file_id: string | null;
  created_at: string;
  updated_at: string;
  last_seen_at: string | null;
  /** Server-wide role (ADMIN_EMAILS makes more admins at run time). */
  role: Generated<ServerRole>;
  kind: Generated<UserKind>;
  banned_at: string | null;
  /** Null while banned: until unbanned. */
  banned_until: string | null;
  ban_reason: string | null;
}
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export interface PasswordCredentialsTable {
  user_id: string;
  password_hash: string;
  updated_at: string;
}
export type PasswordCredentialRow = Selectable<PasswordCredentialsTable>;
