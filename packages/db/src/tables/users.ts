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
  /** Who sees online state and last seen: 'everyone' (I share a chat with) or 'nobody'. */
  last_seen_visibility: Generated<LastSeenVisibility>;
  /** 1: read receipts sent (and others' seen); 0: others see delivered only, and so do I. */
  read_receipts: Generated<number>;
  /** Set when the account was erased; the row stays as "Deleted user" (docs/privacy.md). */
  deleted_at: Generated<string | null>;
  /** Server-wide role (ADMIN_EMAILS makes more admins at run time). */
  role: Generated<ServerRole>;
  kind: Generated<UserKind>;
  banned_at: string | null;
  /** Null while banned: until unbanned. */
  banned_until: string | null;
  ban_reason: string | null;
}

export type LastSeenVisibility = 'everyone' | 'nobody';

/** One user's block of another; private to the blocker. */
export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: string;
}
export type BlockRow = Selectable<BlocksTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export interface PasswordCredentialsTable {
  user_id: string;
  password_hash: string;
  updated_at: string;
}
export type PasswordCredentialRow = Selectable<PasswordCredentialsTable>;
