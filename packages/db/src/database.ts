import type { Kysely, Transaction } from 'kysely';
import type { ApiKeysTable, AuditLogTable, ReportsTable } from './tables/administration.ts';
import type {
  BroadcastDeliveriesTable,
  BroadcastListsTable,
  BroadcastRecipientsTable,
  BroadcastSendsTable,
} from './tables/broadcasts.ts';
import type {
  ConversationsTable,
  MembersTable,
  ReceiptHistoryTable,
} from './tables/conversations.ts';
import type { EmailCodesTable } from './tables/email-codes.ts';
import type { EventLogStateTable, EventsTable } from './tables/events.ts';
import type { FilesTable, MessageAttachmentsTable } from './tables/files.ts';
import type {
  LinkPreviewJobsTable,
  LinkPreviewsTable,
  MessageMentionsTable,
  MessagesTable,
  PinsTable,
  ReactionsTable,
  ThreadReadsTable,
} from './tables/messages.ts';
import type { NotificationsTable, PushSubscriptionsTable } from './tables/notifications.ts';
import type { RefreshTokensTable } from './tables/refresh-tokens.ts';
import type { BlocksTable, PasswordCredentialsTable, UsersTable } from './tables/users.ts';
import type {
  WebhookDeliveriesTable,
  WebhookOutboxTable,
  WebhooksTable,
} from './tables/webhooks.ts';

export interface Database {
  users: UsersTable;
  password_credentials: PasswordCredentialsTable;
  refresh_tokens: RefreshTokensTable;
  conversations: ConversationsTable;
  members: MembersTable;
  receipt_history: ReceiptHistoryTable;
  messages: MessagesTable;
  reactions: ReactionsTable;
  message_mentions: MessageMentionsTable;
  pins: PinsTable;
  thread_reads: ThreadReadsTable;
  link_previews: LinkPreviewsTable;
  link_preview_jobs: LinkPreviewJobsTable;
  events: EventsTable;
  event_log_state: EventLogStateTable;
  files: FilesTable;
  message_attachments: MessageAttachmentsTable;
  broadcast_lists: BroadcastListsTable;
  broadcast_recipients: BroadcastRecipientsTable;
  broadcast_sends: BroadcastSendsTable;
  broadcast_deliveries: BroadcastDeliveriesTable;
  email_codes: EmailCodesTable;
  push_subscriptions: PushSubscriptionsTable;
  notifications: NotificationsTable;
  blocks: BlocksTable;
  reports: ReportsTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  webhooks: WebhooksTable;
  webhook_outbox: WebhookOutboxTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type Db = Kysely<Database>;
/** Query functions take either the database or an open transaction first. */
export type DbOrTx = Kysely<Database> | Transaction<Database>;
