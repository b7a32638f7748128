import type { Insertable, Selectable } from 'kysely';

export type ReportTargetType = 'message' | 'user';
export type ReportStatus = 'open' | 'resolved';

/** A user's report of a message or a person, queued for moderators. */
export interface ReportsTable {
  id: string;
  reporter_id: string;
  target_type: ReportTargetType;
  /** The reported person, or the sender of the reported message. */
  target_user_id: string;
  target_message_id: string | null;
  conversation_id: string | null;
  reason: string;
  comment: string;
  status: ReportStatus;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  /** The action the moderator took: 'dismiss' | 'delete_message' | 'ban_user'. */
  resolution: string | null;
}
export type ReportRow = Selectable<ReportsTable>;
export type NewReportRow = Insertable<ReportsTable>;

/** One moderator or administrator action; never updated or deleted by the server. */
export interface AuditLogTable {
  id: string;
  /** Null: the command line (`pnpm parley admin ...`). */
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON object with the action's parameters (reason, until, report id...). */
  details: string;
  created_at: string;
}
export type AuditLogRow = Selectable<AuditLogTable>;

/** A server-side caller's key: it acts as its bot user. Only a hash of the secret is kept. */
export interface ApiKeysTable {
  id: string;
  name: string;
  bot_user_id: string;
  key_hash: string;
  created_by: string | null;
  created_at: string;
  revoked_at: string | null;
}
export type ApiKeyRow = Selectable<ApiKeysTable>;
