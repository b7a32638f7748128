import type { Db } from '@parley/db';
import type { BlobStore } from './ports/blob-store.ts';
import type { EventBus } from './ports/event-bus.ts';
import type { LinkUnfurler } from './ports/link-unfurler.ts';
import type { Logger } from './ports/logger.ts';
import type { Mailer } from './ports/mailer.ts';
import type { Metrics } from './ports/metrics.ts';
import type { NotificationSink, PushSender } from './ports/notifier.ts';
import type { PresenceStore } from './ports/presence-store.ts';
import type { RateLimiter } from './ports/rate-limiter.ts';

export interface Limits {
  messageMaxLength: number;
  editWindowMs: number;
  sendRate: { points: number; durationMs: number };
  pageSizeDefault: number;
  pageSizeMax: number;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  loginRatePerAccount: { points: number; durationMs: number };
  loginRatePerIp: { points: number; durationMs: number };
  /** Typing stops this long after the last `typing.set(true)`. */
  typingTtlMs: number;
  /** A user whose last device disconnected is shown offline after this grace. */
  presenceGraceMs: number;
  /** Presence changes are pushed to members of groups up to this size (bigger: on request). */
  presenceGroupMaxMembers: number;
  /** Members per group, the creator included. */
  groupMaxMembers: number;
  /** Recipients per broadcast list. */
  broadcastMaxRecipients: number;
  /** Email one-time codes: lifetime, guesses per code, requests per email and per address. */
  otpTtlMs: number;
  otpMaxAttempts: number;
  otpRatePerEmail: { points: number; durationMs: number };
  otpRatePerIp: { points: number; durationMs: number };
  /** Accounts created per client address (each costs an argon2id hash). */
  registerRatePerIp: { points: number; durationMs: number };
}

export const defaultLimits: Limits = {
  messageMaxLength: 5000,
  editWindowMs: 15 * 60_000,
  sendRate: { points: 20, durationMs: 60_000 },
  pageSizeDefault: 50,
  pageSizeMax: 100,
  accessTokenTtlMs: 15 * 60_000,
  refreshTokenTtlMs: 30 * 24 * 3600_000,
  loginRatePerAccount: { points: 10, durationMs: 15 * 60_000 },
  loginRatePerIp: { points: 100, durationMs: 15 * 60_000 },
  typingTtlMs: 5_000,
  presenceGraceMs: 5_000,
  presenceGroupMaxMembers: 100,
  groupMaxMembers: 1000,
  broadcastMaxRecipients: 256,
  otpTtlMs: 10 * 60_000,
  otpMaxAttempts: 5,
  otpRatePerEmail: { points: 5, durationMs: 15 * 60_000 },
  otpRatePerIp: { points: 20, durationMs: 15 * 60_000 },
  registerRatePerIp: { points: 10, durationMs: 60 * 60_000 },
};

export interface Clock {
  now(): number;
}

export interface AuthConfig {
  /** HS256 secret, at least 32 bytes. */
  jwtSecret: Uint8Array;
  issuer: string;
  audience: string;
}

/** A wake-up call within one instance (e.g. "the outbox has new rows"). */
export interface Signal {
  notify(): void;
  subscribe(listener: () => void): () => void;
}

export interface NotificationSettings {
  /** Sinks from adapters (signed webhook, Redis channel); Web Push is added when `push` is set. */
  sinks: NotificationSink[];
  push: PushSender | null;
  /** Whether notifications carry the start of the message text. */
  preview: boolean;
  /** Exponential backoff: `baseMs * 2^(attempt-1)`, capped at `maxMs`, `maxAttempts` in all. */
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  /** Hosts a Web Push endpoint may point at; `*.example.com` matches subdomains. */
  pushHosts: string[];
  /** Notified after a commit that queued notifications; wakes this instance's dispatcher. */
  queued: Signal;
}

export interface LinkPreviewSettings {
  /** Null: link previews are off. */
  unfurler: LinkUnfurler | null;
  /** A URL's cached preview is used for this long. */
  cacheTtlMs: number;
  /** Notified after a commit that queued preview jobs; wakes this instance's worker. */
  queued: Signal;
}

/** Everything the domain needs from the outside world; the server fills it with adapters. */
export interface ApiDeps {
  db: Db;
  bus: EventBus;
  rateLimiter: RateLimiter;
  presence: PresenceStore;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  limits: Limits;
  auth: AuthConfig;
  /** File bytes and thumbnails (disk or S3). */
  blobs: BlobStore;
  /** Null when email is not configured (production without SMTP_URL): no one-time codes. */
  mailer: Mailer | null;
  notifications: NotificationSettings;
  /** Emails that are server admins whatever their stored role (ADMIN_EMAILS), lower case. */
  adminEmails?: readonly string[];
  linkPreviews: LinkPreviewSettings;
}
