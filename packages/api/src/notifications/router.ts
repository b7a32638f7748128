import { ECDH } from 'node:crypto';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { clientString } from '../shared/schemas.ts';
import { authedProcedure } from '../trpc.ts';
import { registerPush, unregisterPush } from './push-subscriptions.ts';

const ok = z.object({ ok: z.literal(true) });
const endpoint = clientString().min(1).max(2048);

/**
 * base64url of exactly `bytes` bytes (what `PushSubscription.toJSON()` gives), as a pattern
 * the OpenAPI document carries: the unpadded length, optionally with its padding.
 */
const key = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  const padding = '='.repeat((4 - (chars % 4)) % 4);
  return clientString()
    .regex(
      new RegExp(`^[A-Za-z0-9_-]{${chars}}(${padding})?$`),
      `must be base64url of ${bytes} bytes`,
    )
    .refine((s) => Buffer.from(s, 'base64url').length === bytes, `must encode ${bytes} bytes`);
};

/** A key web-push cannot encrypt to would fail every delivery: refuse it up front. */
function isP256Point(key: string): boolean {
  try {
    ECDH.convertKey(Buffer.from(key, 'base64url'), 'prime256v1');
    return true;
  } catch {
    return false;
  }
}

export const notificationsRouter = {
  /** The VAPID public key for `pushManager.subscribe`; null when Web Push is not configured. */
  vapidPublicKey: authedProcedure
    .meta(rest('GET', '/notifications/vapid-public-key', 'The VAPID key for pushManager.subscribe'))
    .output(z.object({ publicKey: z.string().nullable() }))
    .query(({ ctx }) => ({ publicKey: ctx.deps.notifications.push?.publicKey ?? null })),

  registerPush: authedProcedure
    .meta(
      rest('POST', '/notifications/push-subscriptions', 'Register a Web Push subscription', {
        errors: { 412: 'Web Push is not configured on this server' },
      }),
    )
    .input(
      z.strictObject({
        endpoint,
        // An uncompressed P-256 public key (65 bytes) and a 16-byte auth secret.
        keys: z.strictObject({
          p256dh: key(65).refine(isP256Point, 'must be a P-256 public key'),
          auth: key(16),
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
