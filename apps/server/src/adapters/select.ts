import { join } from 'node:path';
import type {
  BlobStore,
  Clock,
  EventBus,
  Mailer,
  NotificationSettings,
  NotificationSink,
  PresenceStore,
  RateLimiter,
} from '@parley/api';
import { createSignal } from '@parley/api';
import { createDb, type DbHandle } from '@parley/db';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { AppLogger } from '../logger.ts';
import { createDevMailer, type DevOutbox } from './dev-mailer.ts';
import { createDiskBlobStore } from './disk-blob-store.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { createInProcessPresenceStore } from './in-process-presence.ts';
import { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limiter.ts';
import { createRedisBus } from './redis-bus.ts';
import { createRedisChannelSink } from './redis-channel-sink.ts';
import { createRedisPresenceStore } from './redis-presence.ts';
import { createWebhookSink } from './webhook-sink.ts';

// Every adapter choice of the server, in one place: each port gets its embedded default, or
// its scale-out adapter when the configuration names one (see docs/configuration.md).
// The libraries of adapters the configuration does not name (ioredis, nodemailer, web-push,
// the AWS SDK, pg) are imported only when named: each costs megabytes of heap in every
// process that loads it (docs/benchmarks.md, "Idle memory").

/** Everything the composition root plugs into the ports. */
export interface Adapters {
  db: DbHandle;
  bus: EventBus;
  presence: PresenceStore;
  rateLimiter: RateLimiter;
  /** Present when REDIS_URL is set (health checks). */
  redis: Redis | null;
  blobs: BlobStore;
  mailer: Mailer | null;
  devOutbox: DevOutbox | null;
  notifications: NotificationSettings;
  /** Releases what the adapters hold, the database last. */
  close(): Promise<void>;
}

export async function selectAdapters(
  config: Config,
  options: {
    logger: AppLogger;
    clock: Clock;
    onQuery?: (durationMs: number, failed: boolean, sql: string) => void;
  },
): Promise<Adapters> {
  const db = databaseFrom(config, options.logger, options.onQuery);
  const shared = await sharedStateFrom(config, options.logger);
  const mail = await mailerFrom(config, options.logger);
  return {
    db,
    ...shared,
    blobs: await blobStoreFrom(config),
    mailer: mail.mailer,
    devOutbox: mail.devOutbox,
    notifications: await notificationSettingsFrom(config, shared.redis, options.clock),
    async close() {
      await mail.mailer?.close();
      await shared.close();
      await db.destroy();
    },
  };
}

/** SQLite in DATA_DIR, or PostgreSQL when DATABASE_URL is set. */
export function databaseFrom(
  config: Config,
  logger: AppLogger,
  onQuery?: (durationMs: number, failed: boolean, sql: string) => void,
): DbHandle {
  return config.DATABASE_URL
    ? createDb({
        dialect: 'postgres',
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
        onQuery,
        onConnectionError: (message) =>
          logger.error({ message }, 'postgresql connection lost; the pool reconnects'),
      })
    : createDb({
        dialect: 'sqlite',
        filename: join(config.dataDir, 'parley.db'),
        synchronous: config.SQLITE_SYNCHRONOUS,
        onQuery,
        onCheckpointError: (message) => logger.error({ message }, 'sqlite wal checkpoint failed'),
      });
}

interface SharedStateAdapters {
  bus: EventBus;
  presence: PresenceStore;
  rateLimiter: RateLimiter;
  /** Present when REDIS_URL is set (health checks). */
  redis: Redis | null;
  close(): Promise<void>;
}

/** In-process for one instance; Redis (bus, presence, limits) when REDIS_URL is set. */
async function sharedStateFrom(config: Config, logger: AppLogger): Promise<SharedStateAdapters> {
  if (!config.REDIS_URL) {
    const bus = createInProcessBus();
    const presence = createInProcessPresenceStore();
    return {
      bus,
      presence,
      rateLimiter: createMemoryRateLimiter(),
      redis: null,
      async close() {
        await bus.close();
        await presence.close();
      },
    };
  }
  // Auto-pipelining: commands issued in the same tick (rate limits and presence of concurrent
  // sends) leave in one write and one round trip.
  const { Redis } = await import('ioredis');
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 3,
    lazyConnect: true,
    enableAutoPipelining: true,
  });
  // ioredis reconnects by itself; say once that the connection dropped, not on every retry.
  let reported = false;
  redis.on('error', (error) => {
    if (reported) return;
    reported = true;
    logger.error({ err: error }, 'redis connection failed; reconnecting');
  });
  redis.on('ready', () => {
    if (reported) logger.info('redis connection restored');
    reported = false;
  });
  await redis.connect();
  const bus = await createRedisBus(redis, config.REDIS_PREFIX);
  return {
    bus,
    presence: createRedisPresenceStore(redis, config.REDIS_PREFIX),
    rateLimiter: createRedisRateLimiter(redis, config.REDIS_PREFIX),
    redis,
    async close() {
      await bus.close();
      await redis.quit();
    },
  };
}

/** Local disk in DATA_DIR, or S3 when S3_BUCKET is set. */
async function blobStoreFrom(config: Config): Promise<BlobStore> {
  if (!config.S3_BUCKET) return createDiskBlobStore(join(config.dataDir, 'files'));
  // The AWS SDK takes a while to load; only S3 deployments pay for it.
  const { createS3BlobStore } = await import('./s3-blob-store.ts');
  return createS3BlobStore({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
  });
}

/**
 * SMTP when SMTP_URL is set; otherwise the development outbox, except in production, where
 * sign-in by email code is then off (a code nobody receives would only confuse).
 */
async function mailerFrom(
  config: Config,
  logger: AppLogger,
): Promise<{ mailer: Mailer | null; devOutbox: DevOutbox | null }> {
  if (config.SMTP_URL) {
    const { createSmtpMailer } = await import('./smtp-mailer.ts');
    return { mailer: createSmtpMailer(config.SMTP_URL, config.MAIL_FROM!), devOutbox: null };
  }
  if (config.NODE_ENV === 'production') {
    logger.warn('SMTP_URL is not set: sign-in by email code is off');
    return { mailer: null, devOutbox: null };
  }
  const dev = createDevMailer(logger, config.NODE_ENV === 'development');
  return { mailer: dev, devOutbox: dev };
}

/** Each sink is on when its settings are present: WEBHOOK_*, VAPID_*, REDIS_URL. */
async function notificationSettingsFrom(
  config: Config,
  redis: Redis | null,
  clock: Clock,
): Promise<NotificationSettings> {
  const sinks: NotificationSink[] = [];
  if (config.WEBHOOK_URL && config.WEBHOOK_SECRET) {
    sinks.push(
      createWebhookSink({
        url: config.WEBHOOK_URL,
        secret: config.WEBHOOK_SECRET,
        clock,
        timeoutMs: config.NOTIFY_TIMEOUT_MS,
      }),
    );
  }
  if (redis && config.NOTIFY_REDIS_CHANNEL) {
    sinks.push(createRedisChannelSink(redis, config.NOTIFY_REDIS_CHANNEL));
  }
  const push =
    config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY && config.VAPID_SUBJECT
      ? (await import('./web-push-sender.ts')).createWebPushSender({
          publicKey: config.VAPID_PUBLIC_KEY,
          privateKey: config.VAPID_PRIVATE_KEY,
          subject: config.VAPID_SUBJECT,
          timeoutMs: config.NOTIFY_TIMEOUT_MS,
        })
      : null;
  return {
    sinks,
    push,
    preview: config.NOTIFICATION_PREVIEW,
    retry: {
      baseMs: config.NOTIFY_RETRY_BASE_MS,
      maxMs: config.NOTIFY_RETRY_MAX_MS,
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    },
    pushHosts: config.PUSH_ENDPOINT_HOSTS,
    queued: createSignal(),
  };
}
