import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export { type Context, type ContextInput, createContext, type LiveServices } from './context.ts';
export {
  type ApiDeps,
  type AuthConfig,
  type Clock,
  defaultLimits,
  type Limits,
  type NotificationSettings,
  type Signal,
} from './deps.ts';
export { durableEventSchemas, ephemeralEventSchemas } from './event-schemas.ts';
export type { DurableEvent, DurableEventType, EphemeralEvent, StreamEvent } from './events.ts';
export type {
  BlobStore,
  ByteRange,
  PresignOptions,
  PutOptions,
} from './ports/blob-store.ts';
export type { BusEphemeral, BusLogAdvanced, BusMessage, EventBus } from './ports/event-bus.ts';
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
export { type AppRouter, appRouter } from './root.ts';
export type * from './schemas.ts';
export { fileSchema } from './schemas.ts';
export { createEventHub, type EventHub } from './services/event-hub.ts';
export { requireAvatarImage } from './services/file-attachments.ts';
export { sweepUnattachedFiles } from './services/file-sweep.ts';
export {
  deleteFile,
  fileKeys,
  getFile,
  listConversationFiles,
  recordFile,
  requireReadableFile,
  thumbnailSizesOf,
  toFileDto,
} from './services/files.ts';
export {
  type NotificationDispatcher,
  startNotificationDispatcher,
} from './services/notification-dispatcher.ts';
export { createPresenceTracker, type PresenceTracker } from './services/presence.ts';
export { createSignal } from './services/signal.ts';
export { createTypingTracker, type TypingTracker } from './services/typing.ts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
