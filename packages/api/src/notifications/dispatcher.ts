import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import type { NotificationSink } from '../ports/notifier.ts';
import { type Prepared, prepareNotifications } from './content.ts';
import { claimDue, markDelivered, markFailed, markSkipped, pruneSettled } from './outbox.ts';
import { createPushSink } from './push-sink.ts';

export interface DispatcherOptions {
  /** Looks for due rows (retries, rows of other instances) this often. */
  pollMs: number;
  batchSize?: number;
  /** How long a claim lasts; longer than any sink's timeout. */
  leaseMs?: number;
  /** Delivered and skipped rows are deleted after this long. */
  retentionMs?: number;
}

export interface NotificationDispatcher {
  close(): Promise<void>;
}

const HOUR_MS = 3600_000;

/**
 * Delivers the notification outbox to the configured sinks: after every commit that queued
 * rows on this instance (the `queued` signal) and every `pollMs` for due retries. One pass at a
 * time per instance; several instances share the work through claims (see `claimDue`).
 */
export function startNotificationDispatcher(
  deps: ApiDeps,
  options: DispatcherOptions,
): NotificationDispatcher {
  const sinks = new Map<string, NotificationSink>(deps.notifications.sinks.map((s) => [s.name, s]));
  if (deps.notifications.push) sinks.set('push', createPushSink(deps, deps.notifications.push));
  if (sinks.size === 0) return { close: async () => {} };
  const batchSize = options.batchSize ?? 25;
  const leaseMs = options.leaseMs ?? 60_000;
  const retentionMs = options.retentionMs ?? 7 * 24 * HOUR_MS;
  const { logger } = deps;
  let closed = false;
  let active: Promise<void> | null = null;
  let again = false;
  let lastPrune = 0;

  /** True when delivered; failures and skips are settled here, deliveries by the caller. */
  async function deliver(item: Prepared, token: string): Promise<boolean> {
    const { row } = item;
    if ('skip' in item) {
      await markSkipped(deps, row, token, item.skip);
      return false;
    }
    try {
      await sinks.get(row.sink)!.deliver(item.notification);
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const next = await markFailed(deps, row, token, reason);
      logger.warn(
        { notificationId: row.id, sink: row.sink, attempts: row.attempts + 1, reason, next },
        next === 'retry' ? 'notification delivery failed, will retry' : 'notification given up',
      );
      return false;
    }
  }

  async function drain(): Promise<void> {
    while (!closed) {
      const token = newId();
      const rows = await claimDue(deps, [...sinks.keys()], token, batchSize, leaseMs);
      if (rows.length === 0) break;
      const prepared = await prepareNotifications(deps, rows);
      const results = await Promise.allSettled(prepared.map((p) => deliver(p, token)));
      // A settle that fails (database trouble) leaves the claim to run out: tried again later.
      for (const r of results) {
        if (r.status === 'rejected') logger.error({ err: r.reason }, 'notification settle failed');
      }
      const delivered = prepared.filter((_, i) => {
        const r = results[i];
        return r?.status === 'fulfilled' && r.value;
      });
      await markDelivered(
        deps,
        delivered.map((p) => p.row),
        token,
      );
      if (rows.length < batchSize) break;
    }
    if (deps.clock.now() - lastPrune > HOUR_MS) {
      lastPrune = deps.clock.now();
      await pruneSettled(deps, retentionMs);
    }
  }

  function kick(): void {
    if (closed) return;
    if (active) {
      again = true;
      return;
    }
    active = (async () => {
      do {
        again = false;
        await drain();
      } while (again && !closed);
    })()
      .catch((err) => logger.error({ err }, 'notification dispatch failed'))
      .finally(() => {
        active = null;
      });
  }

  const unsubscribe = deps.notifications.queued.subscribe(kick);
  const timer = setInterval(kick, options.pollMs);
  timer.unref();
  kick();
  return {
    async close() {
      closed = true;
      clearInterval(timer);
      unsubscribe();
      await active;
    },
  };
}
