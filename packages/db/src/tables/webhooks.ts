import type { Insertable, Selectable } from 'kysely';

export type WebhookState = 'active' | 'disabled';

/**
 * An integration webhook (issue 15): events of the chosen types are POSTed, signed, to `url`.
 * Message and member events are read from the event log after `cursor`, so the write path
 * does nothing for webhooks; report events are queued by the report's transaction.
 */
export interface WebhooksTable {
  id: string;
  url: string;
  description: string;
  /** JSON array of event types ('*' for all). */
  event_types: string;
  /** The signing secret (kept in clear: every delivery is signed with it). */
  secret: string;
  state: WebhookState;
  /** Failed attempts since the last success; at the configured limit the hook is disabled. */
  consecutive_failures: number;
  disabled_at: string | null;
  disabled_reason: string | null;
  /** The newest event-log id already turned into deliveries for this hook. */
  cursor: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}
export type WebhookRow = Selectable<WebhooksTable>;

export type WebhookOutboxState = 'pending' | 'delivered' | 'failed';

/**
 * One event to deliver to one webhook: the signed body is fixed when queued, so every retry
 * sends the same bytes with the same event id. Claimed and retried like the notification
 * outbox (`claim_token`, `claimed_until`, `next_attempt_at`).
 */
export interface WebhookOutboxTable {
  id: string;
  webhook_id: string;
  /** The event id in the body: the event-log id, or a new id for report events. */
  event_id: string;
  event_type: string;
  /** The JSON body, exactly as sent. */
  body: string;
  state: WebhookOutboxState;
  attempts: number;
  next_attempt_at: string | null;
  claimed_until: string | null;
  claim_token: string | null;
  created_at: string;
  delivered_at: string | null;
}
export type WebhookOutboxRow = Selectable<WebhookOutboxTable>;
export type NewWebhookOutboxRow = Insertable<WebhookOutboxTable>;

/** 'delivered' | 'retrying' | 'gave_up' (attempts used up) | 'hook_disabled' (this failure disabled the hook). */
export type WebhookAttemptOutcome = 'delivered' | 'retrying' | 'gave_up' | 'hook_disabled';

/** The delivery log: one row per attempt. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  outcome: WebhookAttemptOutcome;
  /** The receiver's HTTP status; null when there was none (timeout, refused connection). */
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: string;
}
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
