import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import {
  type ApiDeps,
  type BlobStore,
  type Clock,
  createBanList,
  createEventHub,
  createPresenceTracker,
  createReceiptBatcher,
  createSendBatcher,
  createSignal,
  createTypingTracker,
  defaultLimits,
  type Limits,
  type LiveServices,
  type MessagePruneResult,
  startEventLogPruner,
  startLinkPreviewWorker,
  startMessageRetentionPruner,
  startNotificationDispatcher,
  startSearchIndexer,
  startWebhookDispatcher,
} from '@parley/api';
import { type DbHandle, migrateToLatest } from '@parley/db';
import { selectAdapters } from './adapters/select.ts';
import type { Config } from './config.ts';
import { type SweepResult, startFileSweeper } from './file-sweeper.ts';
import { createHttpApp } from './http/app.ts';
import { createTusUploads } from './http/files/tus.ts';
import type { Phase } from './http/health.ts';
import { addressPolicy } from './link-previews/address-policy.ts';
import { createLinkUnfurler } from './link-previews/unfurler.ts';
import { type AppLogger, createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { devJwtSecret } from './secrets.ts';
import { querySpans, startTracing } from './tracing/index.ts';
import { attachWebSocket } from './ws.ts';

export interface StartOptions {
  /** Tests pass a controllable clock; production uses the system clock. */
  clock?: Clock;
  logger?: AppLogger;
}

export interface ParleyServer {
  url: string;
  port: number;
  db: DbHandle;
  blobs: BlobStore;
  /** Runs the file clean-up now (it also runs every FILE_SWEEP_INTERVAL_SECONDS). */
  sweepFiles(): Promise<SweepResult>;
  /** Prunes the event log now (it also runs every EVENT_PRUNE_INTERVAL_SECONDS); the count. */
  pruneEventLog(): Promise<number>;
  /** Deletes messages past their conversation's retention now (also every MESSAGE_RETENTION_INTERVAL_SECONDS). */
  pruneExpiredMessages(): Promise<MessagePruneResult>;
  close(): Promise<void>;
}

/** SQLite: how far the full-text index may trail the messages (searches catch up first). */
const SEARCH_INDEX_INTERVAL_MS = 500;

/** How long shutdown waits for in-flight HTTP requests before closing their connections. */
const HTTP_DRAIN_MS = 1_000;

function limitsFrom(config: Config): Limits {
  return {
    ...defaultLimits,
    messageMaxLength: config.MESSAGE_MAX_LENGTH,
    editWindowMs: config.EDIT_WINDOW_SECONDS * 1000,
    sendRate: {
      points: config.SEND_RATE_LIMIT,
      durationMs: config.SEND_RATE_WINDOW_SECONDS * 1000,
    },
    pageSizeDefault: config.PAGE_SIZE_DEFAULT,
    pageSizeMax: config.PAGE_SIZE_MAX,
    accessTokenTtlMs: config.ACCESS_TOKEN_TTL_SECONDS * 1000,
    refreshTokenTtlMs: config.REFRESH_TOKEN_TTL_DAYS * 24 * 3600_000,
    loginRatePerAccount: {
      points: config.LOGIN_RATE_LIMIT,
      durationMs: config.LOGIN_RATE_WINDOW_SECONDS * 1000,
    },
    typingTtlMs: config.TYPING_TTL_MS,
    presenceGraceMs: config.PRESENCE_GRACE_MS,
    presenceGroupMaxMembers: config.PRESENCE_GROUP_MAX_MEMBERS,
    groupMaxMembers: config.GROUP_MAX_MEMBERS,
    broadcastMaxRecipients: config.BROADCAST_MAX_RECIPIENTS,
    otpRatePerEmail: {
      points: config.OTP_RATE_LIMIT,
      durationMs: config.OTP_RATE_WINDOW_SECONDS * 1000,
    },
    otpRatePerIp: {
      points: config.OTP_IP_RATE_LIMIT,
      durationMs: config.OTP_RATE_WINDOW_SECONDS * 1000,
    },
    registerRatePerIp: {
      points: config.REGISTER_RATE_LIMIT,
      durationMs: config.REGISTER_RATE_WINDOW_SECONDS * 1000,
    },
  };
}

/** The composition root: adapters chosen by config, migrations, HTTP + WS on one port. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<ParleyServer> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const startedAt = Date.now();
  const metrics = createMetrics();
  const clock = options.clock ?? { now: () => Date.now() };
  // Null unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then the SDK is loaded and registered.
  const tracing = await startTracing(config, logger);
  const dbSpans = tracing && querySpans(config.DATABASE_URL ? 'postgres' : 'sqlite');
  const onQuery = dbSpans
    ? (durationMs: number, failed: boolean, sql: string) => {
        metrics.observeQuery(durationMs, failed);
        dbSpans(durationMs, failed, sql);
      }
    : metrics.observeQuery;
  const adapters = await selectAdapters(config, { logger, clock, onQuery });
  const { db, redis } = adapters;
  const applied = await migrateToLatest(db.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const api: ApiDeps = {
    db: db.db,
    bus: adapters.bus,
    rateLimiter: metrics.countRejections(adapters.rateLimiter),
    presence: adapters.presence,
    logger,
    metrics: metrics.port,
    clock,
    limits: limitsFrom(config),
    auth: {
      jwtSecret: new TextEncoder().encode(config.JWT_SECRET ?? devJwtSecret(config.dataDir)),
      issuer: 'parley',
      audience: 'parley-clients',
    },
    blobs: adapters.blobs,
    mailer: adapters.mailer,
    notifications: adapters.notifications,
    adminEmails: config.ADMIN_EMAILS,
    linkPreviews: {
      unfurler: config.LINK_PREVIEWS
        ? createLinkUnfurler({
            blobs: adapters.blobs,
            logger,
            policy: addressPolicy(config.LINK_PREVIEW_TEST_ALLOW),
            timeoutMs: config.LINK_PREVIEW_TIMEOUT_MS,
            maxBytes: config.LINK_PREVIEW_MAX_BYTES,
            maxRedirects: 3,
          })
        : null,
      cacheTtlMs: config.LINK_PREVIEW_CACHE_SECONDS * 1000,
      queued: createSignal(),
    },
  };
  const hub = createEventHub(api, { pollMs: config.EVENT_POLL_MS });
  const live: LiveServices = {
    hub,
    presence: createPresenceTracker(api),
    typing: createTypingTracker(api),
    sends: createSendBatcher(api, hub, db.sqlite, { windowMs: config.SEND_BATCH_WINDOW_MS }),
    receipts: createReceiptBatcher(api, hub, db.sqlite),
    bans: createBanList(),
  };
  // Bans made on other instances arrive through the log; the list is loaded before serving.
  hub.observe(['account.banned', 'account.unbanned'], (event) => {
    if (event.type === 'account.banned') live.bans.ban(event.userId, event.until);
    else if (event.type === 'account.unbanned') live.bans.unban(event.userId);
  });
  await live.bans.load(db.db);
  await live.hub.start();
  const dispatcher = startNotificationDispatcher(api, { pollMs: config.NOTIFY_POLL_MS });
  const webhooks = startWebhookDispatcher(api, {
    pollMs: config.WEBHOOK_POLL_MS,
    retry: {
      baseMs: config.WEBHOOK_RETRY_BASE_MS,
      maxMs: config.WEBHOOK_RETRY_MAX_MS,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    },
    disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    hub,
    onAttempt: metrics.webhookAttempted,
  });
  const searchIndexer = startSearchIndexer(api, SEARCH_INDEX_INTERVAL_MS);
  const messagePruner = startMessageRetentionPruner(api, {
    intervalMs: config.MESSAGE_RETENTION_INTERVAL_SECONDS * 1000,
  });
  const eventPruner = startEventLogPruner(api, {
    retentionDays: config.EVENT_RETENTION_DAYS,
    intervalMs: config.EVENT_PRUNE_INTERVAL_SECONDS * 1000,
  });
  const linkPreviews = startLinkPreviewWorker(api, { pollMs: config.LINK_PREVIEW_POLL_MS });

  // Uploads are staged on local disk whatever the blob store is (see docs/files.md).
  const stagingDir = join(config.dataDir, 'uploads', 'staging');
  const tus = createTusUploads(
    { api, imageMaxPixels: config.IMAGE_MAX_PIXELS },
    {
      directory: join(config.dataDir, 'uploads', 'tus'),
      maxBytes: config.UPLOAD_MAX_BYTES,
      expireAfterMs: config.FILE_UNATTACHED_TTL_SECONDS * 1000,
      corsOrigins: config.CORS_ORIGINS,
      onError: (error) => logger.error({ err: error }, 'resumable upload failed'),
    },
  );
  const sweeper = startFileSweeper({
    api,
    logger,
    unattachedTtlMs: config.FILE_UNATTACHED_TTL_SECONDS * 1000,
    intervalMs: config.FILE_SWEEP_INTERVAL_SECONDS * 1000,
    stagingDir,
    cleanUpUploads: () => tus.cleanUp(),
  });

  // The WebSocket server is attached after the HTTP server exists; numbers read it lazily.
  let ws: ReturnType<typeof attachWebSocket> | undefined;
  // Readiness: false until everything below runs, and again from the first moment of shutdown.
  let phase: Phase = 'starting';
  const liveNumbers = {
    webSockets: () => ws?.wss.clients.size ?? 0,
    subscribers: () => live.hub.size(),
    hubStats: () => live.hub.stats(),
  };
  metrics.bindLive(liveNumbers);
  metrics.bindDatabase(db.db, clock.now).bindTailer(liveNumbers);
  const app = createHttpApp({
    api,
    live,
    config,
    logger,
    health: {
      db: db.db,
      dialect: db.dialect,
      redis,
      startedAt,
      phase: () => phase,
      storage: api.blobs,
      stats: () => ({
        webSockets: liveNumbers.webSockets(),
        subscribers: liveNumbers.subscribers(),
      }),
    },
    metrics: metrics.registry,
    httpObserver: metrics.http,
    files: { tus, stagingDir },
    devOutbox: adapters.devOutbox,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(s),
    );
  });
  ws = attachWebSocket(server as import('node:http').Server, {
    api,
    live,
    config,
    logger,
    onClosed: metrics.webSocketClosed,
    onDirectCall: metrics.webSocketDirectCall,
  });
  const wsServer = ws;
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${host}:${port}`;
  phase = 'serving';
  logger.info({ url, dialect: db.dialect, redis: Boolean(redis) }, 'parley listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    db,
    blobs: api.blobs,
    sweepFiles: () => sweeper.sweep(),
    pruneEventLog: () => eventPruner.prune(),
    pruneExpiredMessages: () => messagePruner.prune(),
    close() {
      closing ??= (async () => {
        // Not ready any more, while still serving: load balancers stop sending new clients
        // during SHUTDOWN_READY_DELAY_MS, then connections drain.
        phase = 'draining';
        if (config.SHUTDOWN_READY_DELAY_MS > 0) {
          logger.info({ delayMs: config.SHUTDOWN_READY_DELAY_MS }, 'draining: not ready');
          await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_READY_DELAY_MS));
        }
        // Stop accepting first, then move live clients off, then release resources.
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await wsServer.close(config.SHUTDOWN_GRACE_MS);
        // In-flight requests get a moment to finish; long-lived responses (SSE streams,
        // downloads) are then cut: SSE clients reconnect with Last-Event-ID, tus resumes.
        const http = server as import('node:http').Server;
        http.closeIdleConnections();
        const drained = await Promise.race([
          httpClosed.then(() => true),
          new Promise<false>((resolve) => setTimeout(resolve, HTTP_DRAIN_MS, false).unref()),
        ]);
        if (!drained) http.closeAllConnections();
        await httpClosed;
        await sweeper.stop();
        await eventPruner.stop();
        await messagePruner.stop();
        live.typing.close();
        await live.presence.close();
        await live.hub.close();
        await dispatcher.close();
        await webhooks.close();
        await searchIndexer.stop();
        await linkPreviews.stop();
        // The spans of everything above are exported (and the SDK unregistered) before the
        // database closes: once its last handle goes, a signalled process may end right there.
        await tracing?.shutdown();
        await adapters.close();
        metrics.close();
        logger.info('parley stopped');
      })();
      return closing;
    },
  };
}
