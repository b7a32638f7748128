import type { Clock, Mailer, NotificationSettings, NotificationSink } from '@parley/api';
import { createSignal } from '@parley/api';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { AppLogger } from '../logger.ts';
import { createDevMailer, type DevOutbox } from './dev-mailer.ts';
import { createRedisChannelSink } from './redis-channel-sink.ts';
import { createSmtpMailer } from './smtp-mailer.ts';
import { createWebPushSender } from './web-push-sender.ts';
import { createWebhookSink } from './webhook-sink.ts';

/**
 * SMTP when SMTP_URL is set; otherwise the development outbox, except in production, where
 * sign-in by email code is then off (a code nobody receives would only confuse).
 */
export function createMailerAdapter(
  config: Config,
  logger: AppLogger,
): { mailer: Mailer | null; devOutbox: DevOutbox | null } {
  if (config.SMTP_URL) {
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
export function createNotificationSettings(
  config: Config,
  redis: Redis | null,
  clock: Clock,
): NotificationSettings {
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
      ? createWebPushSender({
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
