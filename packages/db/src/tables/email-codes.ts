import type { Insertable, Selectable } from 'kysely';

/**
 * One-time sign-in codes sent by email. Only a keyed hash of the code is stored; the newest
 * row per email is the only one that can be used.
 */
export interface EmailCodesTable {
  id: string;
  /** Normalized (trimmed, lower-case). */
  email: string;
  code_hash: string;
  created_at: string;
  expires_at: string;
  /** Verification attempts so far, right or wrong. */
  attempts: number;
  used_at: string | null;
}
export type EmailCodeRow = Selectable<EmailCodesTable>;
export type NewEmailCodeRow = Insertable<EmailCodesTable>;
