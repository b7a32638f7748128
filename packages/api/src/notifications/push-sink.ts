import type { ApiDeps } from '../deps.ts';
import type { NotificationSink, PushSender } from '../ports/notifier.ts';

/** How long a push service holds a notification for a browser that is offline. */
const PUSH_TTL_SECONDS = 24 * 3600;

/**
 * Web Push as a notification sink: the notification goes to every subscription of the user.
 * Subscriptions the push service reports gone (404/410) are removed. Any other failure fails
 * the whole delivery, so it is retried; a retry reuses the message id as the push `topic`, so
 * a copy still waiting at the push service is replaced instead of shown twice.
 */
export function createPushSink(deps: ApiDeps, sender: PushSender): NotificationSink {
  return {
    name: 'push',
    async deliver(notification) {
      const subscriptions = await deps.db
        .selectFrom('push_subscriptions')
        .selectAll()
        .where('user_id', '=', notification.userId)
        .execute();
      const payload = JSON.stringify(notification);
      const results = await Promise.allSettled(
        subscriptions.map(async (s) => {
          const outcome = await sender.send(
            { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } },
            payload,
            { ttlSeconds: PUSH_TTL_SECONDS, topic: notification.messageId },
          );
          if (outcome === 'gone') {
            await deps.db.deleteFrom('push_subscriptions').where('id', '=', s.id).execute();
          }
        }),
      );
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length > 0) {
        const reason = String((failed[0] as PromiseRejectedResult).reason?.message ?? failed[0]);
        throw new Error(`${failed.length} of ${subscriptions.length} push sends failed: ${reason}`);
      }
    },
  };
}
