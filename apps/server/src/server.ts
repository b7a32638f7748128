import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import {
  type ApiDeps,
  type Clock,
  createEventHub,
  createPresenceTracker,
  createTypingTracker,
  defaultLimits,
  type Limits,
  type LiveServices,
} from '@parley/api';
import { createDb, type DbHandle, migrateToLatest } from '@parley/db';
import { createSharedStateAdapters } from './adapters/select.ts';
import type { Config } from './config.ts';
import { createHttpApp } from './http/app.ts';
import { type AppLogger, createLogger } from './logger.ts';
import { devJwtSecret } from './secrets.ts';
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
  close(): Promise<void>;
}

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
    groupMaxMembers: config.GROUP_MAX_MEMBERS,
    broadcastMaxRecipients: config.BROADCAST_MAX_RECIPIENTS,
  };
}

/** The composition root: adapters chosen by config, migrations, HTTP + WS on one port. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<ParleyServer> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const startedAt = Date.now();
  const db = config.DATABASE_URL
    ? createDb({
        dialect: 'postgres',
        url: config.DATABASE_URL,
        poolSize: config.DATABASE_POOL_SIZE,
      })
    : createDb({ dialect: 'sqlite', filename: join(config.dataDir, 'parley.db') });
  const applied = await migrateToLatest(db.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const shared = await createSharedStateAdapters(config);
  const api: ApiDeps = {
    db: db.db,
    bus: shared.bus,
    rateLimiter: shared.rateLimiter,
    presence: shared.presence,
    logger,
    clock: options.clock ?? { now: () => Date.now() },
    limits: limitsFrom(config),
    auth: {
      jwtSecret: new TextEncoder().encode(config.JWT_SECRET ?? devJwtSecret(config.dataDir)),
      issuer: 'parley',
      audience: 'parley-clients',
    },
  };
  const live: LiveServices = {
    hub: createEventHub(api, { pollMs: config.EVENT_POLL_MS }),
    presence: createPresenceTracker(api),
    typing: createTypingTracker(api),
  };
  await live.hub.start();

  const app = createHttpApp({
    api,
    live,
    config,
    logger,
    health: { db: db.db, dialect: db.dialect, redis: shared.redis, startedAt },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(s),
    );
  });
  const ws = attachWebSocket(server as import('node:http').Server, { api, live, config });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${host}:${port}`;
  logger.info({ url, dialect: db.dialect, redis: Boolean(shared.redis) }, 'parley listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    db,
    close() {
      closing ??= (async () => {
        // Stop accepting first, then move live clients off, then release resources.
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await ws.close(config.SHUTDOWN_GRACE_MS);
        (server as import('node:http').Server).closeIdleConnections?.();
        await httpClosed;
        live.typing.close();
        await live.presence.close();
        await live.hub.close();
        await shared.close();
        await db.destroy();
        logger.info('parley stopped');
      })();
      return closing;
    },
  };
}
