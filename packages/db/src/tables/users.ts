import type { Insertable, Selectable, Updateable } from 'kysely';

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
