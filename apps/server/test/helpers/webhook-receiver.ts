import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotificationPayload } from '@parley/api';

export interface WebhookDelivery {
  id: string;
  notification: NotificationPayload;
  timestamp: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A webhook receiver on 127.0.0.1:0 that verifies Parley's signature the way
 * docs/notifications.md tells integrators to (HMAC-SHA256 of `timestamp.body`, constant-time
 * compare, 5-minute window), and answers 401 to anything unsigned or stale. `failNext(n)` makes the next n valid requests fail.
 */
export async function startWebhookReceiver(secret: string, now: () => number = Date.now) {
  const accepted: WebhookDelivery[] = [];
  const attempts: { id: string; status: number }[] = [];
  let failuresLeft = 0;
  let failStatus = 500;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const timestamp = String(req.headers['parley-timestamp'] ?? '');
    const signature = String(req.headers['parley-signature'] ?? '');
    const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    const signed =
      signature.length === expected.length &&
      timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    const fresh = Math.abs(now() / 1000 - Number(timestamp)) <= 300;
    const id = String(req.headers['parley-notification-id'] ?? '');
    let status = 204;
    if (req.method !== 'POST' || !signed || !fresh) status = 401;
    else if (failuresLeft > 0) {
      failuresLeft -= 1;
      status = failStatus;
    } else {
      accepted.push({
        id,
        notification: JSON.parse(body) as NotificationPayload,
        timestamp: Number(timestamp),
      });
    }
    attempts.push({ id, status });
    res.statusCode = status;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/parley`,
    accepted,
    attempts,
    failNext(count: number, status = 500) {
      failuresLeft = count;
      failStatus = status;
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
