import { createHmac } from 'node:crypto';

/**
 * The signature of an outgoing webhook (offline notifications and integration webhooks):
 * `v1=` + hex HMAC-SHA256 of `${timestamp}.${body}` with the shared secret, sent as
 * `Parley-Signature` next to `Parley-Timestamp` (Unix seconds).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
