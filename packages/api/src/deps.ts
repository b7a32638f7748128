import type { Db } from '@parley/db';
import type { BlobStore } from './ports/blob-store.ts';
import type { EventBus } from './ports/event-bus.ts';
import type { Logger } from './ports/logger.ts';
import type { Metrics } from './ports/metrics.ts';
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
  /** Members per group, the creator included. */
  groupMaxMembers: number;
  /** Recipients per broadcast list. */
  broadcastMaxRecipients: number;
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
  groupMaxMembers: 1000,
  broadcastMaxRecipients: 256,
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
}
