import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { clientString } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { DEFAULT_PUSH_HOSTS, registerPush, unregisterPush } from './push-subscriptions.ts';

const ok = z.object({ ok: z.literal(true) });
const endpoint = clientString().min(1).max(2048);

const ENDPOINT_RULE = `The server POSTs to it, so it must be a known push service: an https URL (no user or password) whose host is listed in PUSH_ENDPOINT_HOSTS, by default ${DEFAULT_PUSH_HOSTS.join(', ')} (\`*.\` matches subdomains); plain http only for a loopback host (localhost, 127.0.0.1, [::1]) listed there. Anything else: 400 \`endpoint is not a known push service\`.`;

/** The subscription's push service URL, as `PushSubscription.toJSON()` gives it. */
const pushEndpoint = endpoint
  .regex(/^https?:\/\//, 'must be an https URL')
  .describe(`The push service URL from PushSubscription.toJSON(). ${ENDPOINT_RULE}`)
  .meta({ example: 'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91b' });

/**
 * base64url of exactly `bytes` bytes (what `PushSubscription.toJSON()` gives): the unpadded
 * length, optionally with its padding, as bounds and a pattern the OpenAPI document carries.
 * `first` narrows the leading characters (a fixed first byte).
 */
const key = (bytes: number, first = '') => {
  const chars = Math.ceil((bytes * 4) / 3);
  const padding = '='.repeat((4 - (chars % 4)) % 4);
  const rest = chars - (first ? 2 : 0);
  return clientString()
    .min(chars)
    .max(chars + padding.length)
    .regex(
      new RegExp(`^${first}[A-Za-z0-9_-]{${rest}}(${padding})?$`),
      `must be base64url of ${bytes} bytes`,
    );
};

export const notificationsRouter = {
  /** The VAPID public key for `pushManager.subscribe`; null when Web Push is not configured. */
  vapidPublicKey: authedProcedure
    .meta(rest('GET', '/notifications/vapid-public-key', 'The VAPID key for pushManager.subscribe'))
    .output(z.object({ publicKey: z.string().nullable() }))
    .query(({ ctx }) => ({ publicKey: ctx.deps.notifications.push?.publicKey ?? null })),

  registerPush: authedProcedure
    .meta(
      rest('POST', '/notifications/push-subscriptions', 'Register a Web Push subscription', {
        description: `\`endpoint\`: ${ENDPOINT_RULE} \`keys.p256dh\` must also be a point on the P-256 curve, else 400 \`keys.p256dh is not a point on the P-256 curve\`.`,
        errors: { 412: 'Web Push is not configured on this server' },
      }),
    )
    .input(
      z.strictObject({
        endpoint: pushEndpoint,
        keys: z.strictObject({
          // 0x04 (uncompressed) first: "B", then one of A-P (the next byte's top two bits).
          p256dh: key(65, 'B[A-P]').describe(
            "The browser's public key: an uncompressed P-256 point (65 bytes: 0x04, X, Y) in base64url, 87 characters (88 with its `=` padding). It must lie on the curve, else 400 `keys.p256dh is not a point on the P-256 curve`.",
          ),
          auth: key(16).describe(
            'The auth secret: 16 bytes in base64url, 22 characters (24 with its `==` padding).',
          ),
        }),
        /** What `PushSubscription.toJSON()` also carries; not used. */
        expirationTime: z.number().nullish(),
      }),
    )
    .output(ok)
    .mutation(({ ctx, input }) => registerPush(ctx.deps, ctx.userId, input)),

  unregisterPush: authedProcedure
    .meta(rest('DELETE', '/notifications/push-subscriptions', 'Remove a Web Push subscription'))
    .input(z.strictObject({ endpoint }))
    .output(ok)
    .mutation(({ ctx, input }) => unregisterPush(ctx.deps, ctx.userId, input.endpoint)),
} satisfies TRPCRouterRecord;
