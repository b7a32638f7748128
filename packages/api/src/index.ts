import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export { type BanList, createBanList } from './admin/ban-list.ts';

export {
  type Context,
  type ContextInput,
  createContext,
  type DirectStream,
  type LiveServices,
} from './context.ts';
export {
  createReceiptBatcher,
  type ReceiptBatcher,
} from './conversations/receipt-batch.ts';
export {
  type MessagePruneResult,
  type MessageRetentionPruner,
  pruneExpiredMessages,
  startMessageRetentionPruner,
} from './conversations/retention.ts';
export {
  type ApiDeps,
  type AuthConfig,
  type Clock,
  defaultLimits,
  type Limits,
  type NotificationSettings,
  type Signal,
} from './deps.ts';
export {
  DomainError,
  type DomainErrorCode,
  type DomainErrorReason,
  errorReference,
} from './errors.ts';
export { requireAvatarImage } from './files/attachments.ts';
export {
  deleteFile,
  fileKeys,
  getFile,
  listConversationFiles,
  recordFile,
  requireReadableFile,
  thumbnailSizesOf,
  toFileDto,
} from './files/files.ts';
export { sweepUnattachedFiles } from './files/sweep.ts';
export {
  startWebhookDispatcher,
  tailEventLogForWebhooks,
  type WebhookDispatcher,
  type WebhookDispatchOptions,
} from './integrations/webhook-dispatcher.ts';
export { startLinkPreviewWorker } from './link-previews/worker.ts';
export { callDirect, directCallPaths } from './live/direct-calls.ts';
export type { DurableEvent, DurableEventType, EphemeralEvent, StreamEvent } from './live/events.ts';
export { durableEventSchemas, ephemeralEventSchemas } from './live/events.ts';
export { createEventHub, type EventHub, type StreamItem } from './live/hub.ts';
export {
  type EventLogPruner,
  prunedThrough,
  pruneEventLog,
  startEventLogPruner,
} from './live/retention.ts';
export { SlowConsumerError } from './live/stream.ts';
export { eventJson } from './live/wire.ts';
export { PLAIN_MESSAGE } from './messages/append.ts';
export { startSearchIndexer } from './messages/search.ts';
export {
  createSendBatcher,
  DEFAULT_SEND_BATCH_WINDOW_MS,
  type SendBatcher,
} from './messages/send-batch.ts';
export {
  type NotificationDispatcher,
  startNotificationDispatcher,
} from './notifications/dispatcher.ts';
export { DEFAULT_PUSH_HOSTS } from './notifications/push-subscriptions.ts';
export type {
  BlobStore,
  ByteRange,
  PresignOptions,
  PutOptions,
} from './ports/blob-store.ts';
export type { BusEphemeral, BusLogAdvanced, BusMessage, EventBus } from './ports/event-bus.ts';
export type { LinkUnfurler, UnfurledLink } from './ports/link-unfurler.ts';
export type { Logger } from './ports/logger.ts';
export type { Mailer, MailMessage } from './ports/mailer.ts';
export { type Metrics, noMetrics } from './ports/metrics.ts';
export type {
  NotificationPayload,
  NotificationSink,
  PushOptions,
  PushSender,
  PushTarget,
} from './ports/notifier.ts';
export type { PresenceStore } from './ports/presence-store.ts';
export type { RateDecision, RateLimiter, RateRule } from './ports/rate-limiter.ts';
export { createPresenceTracker, type PresenceTracker } from './presence/presence.ts';
export { createTypingTracker, type TypingTracker } from './presence/typing.ts';
export { type AppRouter, appRouter } from './root.ts';
export type * from './shared/schemas.ts';
export { fileSchema } from './shared/schemas.ts';
export { createSignal } from './shared/signal.ts';
export { webhookSignature } from './shared/signature.ts';
export { currentTracer } from './shared/tracing.ts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
