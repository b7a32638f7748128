import type { Insertable, Selectable } from 'kysely';

/** A browser's Web Push subscription (the JSON of `PushSubscription`). */
export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  /** The push service URL; unique: one browser profile belongs to one user at a time. */
  endpoint: string;
  /** The browser's P-256 public key and auth secret, base64url. */
  p256dh: string;
  auth: string;
  created_at: string;
}
export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;

export type NotificationState = 'pending' | 'delivered' | 'skipped' | 'failed';

/**
 * The notification outbox: one row per offline recipient of a message per configured sink,
 * written in the message's transaction. Rows are claimed by a dispatcher (`claim_token`,
 * `claimed_until`), retried with backoff, and kept when they fail for good.
 */
export interface NotificationsTable {
  id: string;
  user_id: string;
  message_id: string;
  /** Which sink delivers it: 'webhook', 'push', 'redis'. */
  sink: string;
  state: NotificationState;
  attempts: number;
  /** Set while pending; null once settled. */
  next_attempt_at: string | null;
  /** A dispatcher holds the row until then; another may take it over afterwards. */
  claimed_until: string | null;
  claim_token: string | null;
  /** The last failure's reason (status code or error message); never message text. */
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}
export type NotificationRow = Selectable<NotificationsTable>;
export type NewNotificationRow = Insertable<NotificationsTable>;
