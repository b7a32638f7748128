import type { NotificationRow, NotificationsTable } from '@parley/db';
import type { Updateable } from 'kysely';
import type { ApiDeps, NotificationSettings } from '../deps.ts';
import { nowIso } from '../live/write.ts';

const ERROR_MAX_LENGTH = 500;

/**
 * Exponential backoff with "equal jitter": half of each step is fixed, half random, so rows
 * that failed together (a receiver outage) do not all come back at the same moment.
 */
export function retryDelayMs(
  retry: NotificationSettings['retry'],
  attempts: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * Takes up to `limit` due rows of the given sinks for one dispatch pass (`token`). The UPDATE
 * re-checks the claim condition, so of several dispatchers (instances) racing for a row exactly
 * one gets it: PostgreSQL re-evaluates the WHERE on the locked row, SQLite has one writer. A
 * claim lasts `leaseMs`; rows of a dispatcher that died mid-delivery are taken over after it.
 */
export async function claimDue(
  deps: ApiDeps,
  sinks: string[],
  token: string,
  limit: number,
  leaseMs: number,
): Promise<NotificationRow[]> {
  const now = nowIso(deps);
  // One statement: pick due rows, then take those still free.
  return deps.db
    .updateTable('notifications')
    .set({ claim_token: token, claimed_until: new Date(deps.clock.now() + leaseMs).toISOString() })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('notifications')
        .select('id')
        .where('next_attempt_at', '<=', now)
        .where('sink', 'in', sinks)
        .where((e) => e.or([e('claimed_until', 'is', null), e('claimed_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit),
    )
    .where('next_attempt_at', 'is not', null)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .returningAll()
    .execute();
}

/** Only while this pass still holds the claim; a row taken over by another is left alone. */
async function settle(
  deps: ApiDeps,
  row: NotificationRow,
  token: string,
  changes: Updateable<NotificationsTable>,
): Promise<void> {
  await deps.db
    .updateTable('notifications')
    .set({ ...changes, claim_token: null, claimed_until: null })
    .where('id', '=', row.id)
    .where('claim_token', '=', token)
    .execute();
}

/** One statement for all rows a pass delivered (under load a pass carries many). */
export async function markDelivered(
  deps: ApiDeps,
  rows: NotificationRow[],
  token: string,
): Promise<void> {
  if (rows.length === 0) return;
  await deps.db
    .updateTable('notifications')
    .set((eb) => ({
      state: 'delivered',
      attempts: eb('attempts', '+', 1),
      next_attempt_at: null,
      delivered_at: nowIso(deps),
      claim_token: null,
      claimed_until: null,
    }))
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .where('claim_token', '=', token)
    .execute();
}

/** Not sent and never will be (message deleted or read, member muted or gone). */
export function markSkipped(deps: ApiDeps, row: NotificationRow, token: string, reason: string) {
  return settle(deps, row, token, { state: 'skipped', next_attempt_at: null, last_error: reason });
}

/** Schedules the next attempt, or gives up after `maxAttempts` (the row stays, `failed`). */
export async function markFailed(
  deps: ApiDeps,
  row: NotificationRow,
  token: string,
  error: string,
): Promise<'retry' | 'failed'> {
  const { retry } = deps.notifications;
  const attempts = row.attempts + 1;
  const last_error = error.slice(0, ERROR_MAX_LENGTH);
  if (attempts >= retry.maxAttempts) {
    await settle(deps, row, token, {
      state: 'failed',
      attempts,
      next_attempt_at: null,
      last_error,
    });
    return 'failed';
  }
  const next = deps.clock.now() + retryDelayMs(retry, attempts);
  await settle(deps, row, token, {
    attempts,
    next_attempt_at: new Date(next).toISOString(),
    last_error,
  });
  return 'retry';
}

/** Forgets delivered and skipped rows older than `retentionMs`; failed rows are kept. */
export async function pruneSettled(deps: ApiDeps, retentionMs: number): Promise<number> {
  const cutoff = new Date(deps.clock.now() - retentionMs).toISOString();
  const result = await deps.db
    .deleteFrom('notifications')
    .where('state', 'in', ['delivered', 'skipped'])
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
