import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PUSH_HOSTS, DEFAULT_SEND_BATCH_WINDOW_MS } from '@parley/api';
import { z } from 'zod';

// The only place that reads the environment. Every variable has a working default except
// JWT_SECRET in production; a bad value fails start-up with a message naming the variable.

const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const base64urlBytes = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url (npx web-push generate-vapid-keys)')
    .refine((s) => Buffer.from(s, 'base64url').length === bytes, `must encode ${bytes} bytes`);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  PUBLIC_URL: z.url().optional(),
  CORS_ORIGINS: list,
  /** Accounts that are server admins whatever their stored role (comma-separated emails). */
  ADMIN_EMAILS: list.transform((emails) => emails.map((e) => e.toLowerCase())),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for SQLite)')
    .optional(),
  DATABASE_POOL_SIZE: int(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_PREFIX: z.string().min(1).default('parley:'),
  TRUST_PROXY: z.stringbool().default(false),
  MESSAGE_MAX_LENGTH: int(5000),
  EDIT_WINDOW_SECONDS: int(15 * 60),
  SEND_RATE_LIMIT: int(20),
  SEND_RATE_WINDOW_SECONDS: int(60),
  PAGE_SIZE_DEFAULT: int(50),
  PAGE_SIZE_MAX: int(100),
  ACCESS_TOKEN_TTL_SECONDS: int(15 * 60),
  REFRESH_TOKEN_TTL_DAYS: int(30),
  LOGIN_RATE_LIMIT: int(10),
  LOGIN_RATE_WINDOW_SECONDS: int(15 * 60),
  REGISTER_RATE_LIMIT: int(10),
  REGISTER_RATE_WINDOW_SECONDS: int(60 * 60),
  MAX_JSON_BODY_BYTES: int(1024 * 1024),
  TRPC_MAX_BATCH_SIZE: int(50),
  WS_MAX_CONNECTIONS_PER_USER: int(20),
  WS_MAX_CONNECTIONS_PER_ADDRESS: int(200),
  WS_MAX_PAYLOAD_BYTES: int(1024 * 1024),
  // A live stream whose socket holds more unsent bytes than this is cut as a slow consumer
  // (the client resumes from its last event id).
  WS_MAX_BUFFERED_BYTES: int(8 * 1024 * 1024),
  // Keep-alive: a WebSocket silent this long gets a PING; one still silent WS_PONG_WAIT_MS
  // later is terminated. One sweep checks every socket (ws-keepalive.ts).
  WS_PING_MS: int(30_000),
  WS_PONG_WAIT_MS: int(5000),
  EVENT_POLL_MS: int(1000),
  // Durable events older than this are pruned (0 keeps them forever); a resume from before
  // the retained window answers RESYNC_REQUIRED.
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  EVENT_PRUNE_INTERVAL_SECONDS: int(600),
  // How often messages past their conversation's retention (disappearing messages) are deleted.
  MESSAGE_RETENTION_INTERVAL_SECONDS: int(300),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TYPING_TTL_MS: int(5000),
  PRESENCE_GRACE_MS: int(5000),
  PRESENCE_GROUP_MAX_MEMBERS: int(100),
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  // Under load, a batch of sends waits until this long after the last commit (group commit):
  // more sends per transaction, less CPU per send, up to this much more latency.
  SEND_BATCH_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .default(DEFAULT_SEND_BATCH_WINDOW_MS),
  GROUP_MAX_MEMBERS: int(1000),
  // A list is created and replaced in one request, which carries at most 1,000 ids.
  BROADCAST_MAX_RECIPIENTS: z.coerce.number().int().positive().max(1000).default(256),
  SHUTDOWN_GRACE_MS: int(10_000),
  SHUTDOWN_READY_DELAY_MS: z.coerce.number().int().min(0).max(300_000).default(0),
  WEB_DEMO_DIR: z.string().optional(),
  UPLOAD_MAX_BYTES: int(25 * 1024 * 1024),
  IMAGE_MAX_PIXELS: int(50_000_000),
  FILE_UNATTACHED_TTL_SECONDS: int(24 * 3600),
  FILE_SWEEP_INTERVAL_SECONDS: int(3600),
  // Signed download URLs (for <img src> without a bearer header): at most a day.
  FILE_URL_TTL_SECONDS: z.coerce.number().int().positive().max(86_400).default(600),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.stringbool().default(true),
  S3_PRESIGNED_DOWNLOADS: z.stringbool().default(false),
  S3_PRESIGN_TTL_SECONDS: int(60),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).optional(),
  OTP_RATE_LIMIT: int(5),
  OTP_IP_RATE_LIMIT: int(20),
  OTP_RATE_WINDOW_SECONDS: int(15 * 60),
  WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  VAPID_PUBLIC_KEY: base64urlBytes(65).optional(),
  VAPID_PRIVATE_KEY: base64urlBytes(32).optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https:// URL')
    .optional(),
  PUSH_ENDPOINT_HOSTS: z
    .string()
    // Browsers' push services (Chrome, Firefox, Safari, Edge); endpoints elsewhere are refused.
    .default(DEFAULT_PUSH_HOSTS.join(','))
    .transform((s) => list.parse(s)),
  NOTIFY_REDIS_CHANNEL: z.string().default('events:message.created'),
  NOTIFICATION_PREVIEW: z.stringbool().default(false),
  NOTIFY_RETRY_BASE_MS: int(5000),
  NOTIFY_RETRY_MAX_MS: int(3_600_000),
  NOTIFY_MAX_ATTEMPTS: int(12),
  NOTIFY_POLL_MS: int(1000),
  NOTIFY_TIMEOUT_MS: int(10_000),
  /** Integration webhooks (docs/webhooks.md): backoff, attempts, auto-disable, polling. */
  WEBHOOK_RETRY_BASE_MS: int(5000),
  WEBHOOK_RETRY_MAX_MS: int(3_600_000),
  WEBHOOK_MAX_ATTEMPTS: int(12),
  WEBHOOK_DISABLE_AFTER_FAILURES: int(20),
  WEBHOOK_POLL_MS: int(1000),
  WEBHOOK_TIMEOUT_MS: int(10_000),
  LINK_PREVIEWS: z.stringbool().default(true),
  LINK_PREVIEW_TIMEOUT_MS: int(5000),
  LINK_PREVIEW_MAX_BYTES: int(1024 * 1024),
  LINK_PREVIEW_CACHE_SECONDS: int(24 * 3600),
  LINK_PREVIEW_POLL_MS: int(2000),
  // OpenTelemetry traces (docs/operations.md "Tracing"): off unless the endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json', 'grpc'])
    .default('http/protobuf')
    .refine(
      (p) => p !== 'grpc',
      'grpc is not supported: use http/protobuf or http/json (port 4318)',
    ),
  /** `key=value` pairs, comma-separated, values URL-encoded (e.g. an API key of a vendor). */
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const headers: Record<string, string> = {};
      for (const pair of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const at = pair.indexOf('=');
        const name = pair.slice(0, at).trim();
        if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
          ctx.addIssue({ code: 'custom', message: 'must be key=value pairs, comma-separated' });
          return z.NEVER;
        }
        try {
          headers[name] = decodeURIComponent(pair.slice(at + 1).trim());
        } catch {
          ctx.addIssue({ code: 'custom', message: `the value of ${name} is not URL-encoded` });
          return z.NEVER;
        }
      }
      return headers;
    }),
  OTEL_SERVICE_NAME: z.string().min(1).default('parley'),
  /** Test suites only ("127.0.0.1:PORT" pairs): refused unless NODE_ENV=test. */
  LINK_PREVIEW_TEST_ALLOW: list.refine(
    (pairs) => pairs.every((p) => /^127\.\d+\.\d+\.\d+:\d+$/.test(p)),
    'must be 127.x.x.x:PORT pairs',
  ),
});

export type Env = z.infer<typeof envSchema>;

/** Every variable the server reads (the docs test checks docs/configuration.md and .env.example list them). */
export const configVariables = Object.keys(envSchema.shape);

export interface Config extends Env {
  dataDir: string;
  webDemoDir: string;
}

const bundledWebDemo = fileURLToPath(new URL('../../web-demo/dist', import.meta.url));

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  if (cfg.NODE_ENV === 'production' && !cfg.JWT_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  JWT_SECRET: required when NODE_ENV=production',
    );
  }
  if (cfg.NODE_ENV === 'production' && !cfg.METRICS_TOKEN) {
    throw new ConfigError(
      'Invalid configuration:\n  METRICS_TOKEN: required when NODE_ENV=production (/metrics is open only in development)',
    );
  }
  if (cfg.PAGE_SIZE_DEFAULT > cfg.PAGE_SIZE_MAX) {
    throw new ConfigError(
      'Invalid configuration:\n  PAGE_SIZE_DEFAULT: must not exceed PAGE_SIZE_MAX',
    );
  }
  checkS3(cfg);
  const messaging = messagingIssues(cfg);
  if (messaging.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${messaging.join('\n')}`);
  }
  return {
    ...cfg,
    dataDir: resolve(cfg.DATA_DIR),
    webDemoDir: resolve(cfg.WEB_DEMO_DIR ?? bundledWebDemo),
  };
}

/** S3 settings only make sense together: a bucket, and both halves of a key or neither. */
function checkS3(cfg: Env): void {
  const problems: string[] = [];
  if (!cfg.S3_BUCKET) {
    for (const name of ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (cfg[name])
        problems.push(`  ${name}: needs S3_BUCKET (unset S3_* to store files on disk)`);
    }
    if (cfg.S3_PRESIGNED_DOWNLOADS) problems.push('  S3_PRESIGNED_DOWNLOADS: needs S3_BUCKET');
  }
  if (!cfg.S3_ACCESS_KEY_ID !== !cfg.S3_SECRET_ACCESS_KEY) {
    problems.push('  S3_ACCESS_KEY_ID: set together with S3_SECRET_ACCESS_KEY (or neither)');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}

/** Settings that only work together: mail, webhook, VAPID. */
function messagingIssues(cfg: Env): string[] {
  const issues: string[] = [];
  if (cfg.SMTP_URL && !cfg.MAIL_FROM) issues.push('  MAIL_FROM: required when SMTP_URL is set');
  if (Boolean(cfg.WEBHOOK_URL) !== Boolean(cfg.WEBHOOK_SECRET)) {
    issues.push('  WEBHOOK_SECRET: WEBHOOK_URL and WEBHOOK_SECRET go together');
  }
  const vapid = [cfg.VAPID_PUBLIC_KEY, cfg.VAPID_PRIVATE_KEY, cfg.VAPID_SUBJECT].filter(Boolean);
  if (vapid.length !== 0 && vapid.length !== 3) {
    issues.push(
      '  VAPID_SUBJECT: VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together',
    );
  }
  if (cfg.LINK_PREVIEW_TEST_ALLOW.length > 0 && cfg.NODE_ENV !== 'test') {
    issues.push('  LINK_PREVIEW_TEST_ALLOW: only allowed when NODE_ENV=test');
  }
  if (cfg.NOTIFY_RETRY_BASE_MS > cfg.NOTIFY_RETRY_MAX_MS) {
    issues.push('  NOTIFY_RETRY_BASE_MS: must not exceed NOTIFY_RETRY_MAX_MS');
  }
  if (cfg.WEBHOOK_RETRY_BASE_MS > cfg.WEBHOOK_RETRY_MAX_MS) {
    issues.push('  WEBHOOK_RETRY_BASE_MS: must not exceed WEBHOOK_RETRY_MAX_MS');
  }
  return issues;
}
