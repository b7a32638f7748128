import { type Clock, type NotificationSink, webhookSignature } from '@parley/api';

export interface WebhookOptions {
  url: string;
  secret: string;
  clock: Clock;
  timeoutMs: number;
}

/**
 * POSTs each notification as JSON to `url`, signed: `Parley-Timestamp` (Unix seconds) and
 * `Parley-Signature`. Any 2xx is success; anything else, a timeout or a redirect is a failure
 * the dispatcher retries. `Parley-Notification-Id` stays the same across retries. Signed by
 * `webhookSignature` (@parley/api), like the integration webhooks.
 */
export function createWebhookSink(options: WebhookOptions): NotificationSink {
  return {
    name: 'webhook',
    async deliver(notification) {
      const body = JSON.stringify(notification);
      const timestamp = String(Math.floor(options.clock.now() / 1000));
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Webhook/1',
          'parley-notification-id': notification.id,
          'parley-timestamp': timestamp,
          'parley-signature': webhookSignature(options.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status < 200 || response.status >= 300) {
        throw new Error(`webhook answered HTTP ${response.status}`);
      }
    },
  };
}
