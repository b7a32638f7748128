import type { PushSender } from '@parley/api';
import webpush from 'web-push';

export interface VapidOptions {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact for push services. */
  subject: string;
  timeoutMs: number;
}

/**
 * Web Push with VAPID and aes128gcm payload encryption by `web-push`; the request itself goes
 * out with fetch, which gives one timeout for the whole exchange.
 */
export function createWebPushSender(options: VapidOptions): PushSender {
  const vapidDetails = {
    subject: options.subject,
    publicKey: options.publicKey,
    privateKey: options.privateKey,
  };
  return {
    publicKey: options.publicKey,
    async send(target, payload, { ttlSeconds, topic }) {
      const request = webpush.generateRequestDetails(target, payload, {
        vapidDetails,
        TTL: ttlSeconds,
        urgency: 'high',
        ...(topic ? { topic } : {}),
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        // fetch computes the length of the body itself.
        if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
      }
      const response = await fetch(request.endpoint, {
        method: request.method,
        headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status === 404 || response.status === 410) return 'gone';
      if (response.status < 200 || response.status >= 300) {
        throw new Error(`push service answered HTTP ${response.status}`);
      }
      return 'sent';
    },
  };
}
