import {
  type DbOrTx,
  dialectOf,
  latestEventId,
  type NewWebhookOutboxRow,
  newId,
  type WebhookAttemptOutcome,
  type WebhookOutboxRow,
} from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import type { EventHub } from '../live/hub.ts';
import { fullPayloads } from '../live/wire.ts';
import { nowIso } from '../live/write.ts';
import { retryDelayMs } from '../notifications/outbox.ts';
import { startPeriodicJob } from '../shared/periodic.ts';
import { webhookSignature } from '../shared/signature.ts';
import type { WebhookEventType } from './schemas.ts';
import { eventTypesOf, webhookBody } from './webhooks.ts';

/** Held (PostgreSQL, per tail transaction) so one instance at a time reads the log for hooks. */
export const WEBHOOK_TAIL_LOCK_KEY = 0x70617248; // "parH"

const HOUR_MS = 3600_000;
const ERROR_MAX_LENGTH = 500;

/** Event-log types an integration webhook receives, under their webhook names. */
const FROM_LOG: Record<string, WebhookEventType> = {
  'message.created': 'message.created',
  'message.edited': 'message.edited',
  'message.deleted': 'message.deleted',
  'member.joined': 'member.added',
  'member.left': 'member.removed',
};
const LOG_TYPES = Object.keys(FROM_LOG);

export interface WebhookDispatchOptions {
  /** Reads the log and looks for due deliveries this often (and after local log activity). */
  pollMs: number;
  /** Exponential backoff between attempts of one event, and attempts in all before giving up. */
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  /** Consecutive failed attempts (any event) after which a webhook is disabled. */
  disableAfterFailures: number;
  /** One HTTP attempt's time limit. */
  timeoutMs: number;
  /** Events turned into deliveries, and deliveries claimed, per step. */
  batchSize?: number;
  /** Delivered outbox rows and the delivery log are kept this long. */
  retentionMs?: number;
  /** Wakes the dispatcher when this instance's tailer reads message or member events. */
  hub?: Pick<EventHub, 'observe'>;
  /** Every attempt's outcome (metrics). */
  onAttempt?: (outcome: WebhookAttemptOutcome) => void;
}

export interface WebhookDispatcher {
  /** One pass now: read the log, deliver what is due (tests and the periodic timer). */
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Active hooks that want at least one log event type, with the log types they want. */
async function activeLogReaders(db: DbOrTx) {
  const rows = await db
    .selectFrom('webhooks')
    .select(['id', 'event_types', 'cursor'])
    .where('state', '=', 'active')
    .execute();
  return rows
    .map((h) => {
      const types = eventTypesOf(h);
      const logTypes = types.includes('*')
        ? LOG_TYPES
        : LOG_TYPES.filter((t) => types.includes(FROM_LOG[t]!));
      return { ...h, logTypes };
    })
    .filter((h) => h.logTypes.length > 0);
}

/**
 * Turns committed log events after each active hook's cursor into outbox rows and moves the
 * cursors, in one transaction. On PostgreSQL the transaction takes an advisory lock without
 * waiting: another instance holding it is doing the same work, so this one leaves it. Ids
 * commit in order (see `allocateEventIds`), so `id > cursor` never skips an event.
 * Returns whether a hook has more to read, and how many active hooks read the log.
 */
export async function tailEventLogForWebhooks(
  deps: Pick<ApiDeps, 'db' | 'clock'>,
  batchSize: number,
): Promise<{ queued: number; more: boolean; hooks: number }> {
  // Outside any transaction: with no hook that reads the log, a pass is this one small query
  // (on SQLite a transaction would hold the one connection that sends also use).
  const readers = (await activeLogReaders(deps.db)).length;
  if (readers === 0) return { queued: 0, more: false, hooks: 0 };
  return deps.db.transaction().execute(async (trx) => {
    // Before reading the cursors, so they are the ones the last holder committed.
    if (dialectOf(trx) === 'postgres') {
      const { rows } = await sql<{ ok: boolean }>`
        select pg_try_advisory_xact_lock(${WEBHOOK_TAIL_LOCK_KEY}) as ok`.execute(trx);
      if (!rows[0]?.ok) return { queued: 0, more: false, hooks: readers };
    }
    const hooks = await activeLogReaders(trx);
    if (hooks.length === 0) return { queued: 0, more: false, hooks: 0 };
    const head = (await latestEventId(trx)) ?? '';
    const now = new Date(deps.clock.now()).toISOString();
    let queued = 0;
    let more = false;
    for (const hook of hooks) {
      if (hook.cursor >= head) continue;
      const events = await trx
        .selectFrom('events')
        .select(['id', 'type', 'payload', 'message_id', 'created_at'])
        .where('id', '>', hook.cursor)
        .where('id', '<=', head)
        .where('user_id', 'is', null)
        .where('type', 'in', hook.logTypes)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      const full = events.length === batchSize;
      more ||= full;
      const payloads = await fullPayloads(trx, events);
      const rows: NewWebhookOutboxRow[] = events.flatMap((event, i) => {
        const payload = payloads[i];
        if (payload == null) return []; // its message is gone (retention, erasure)
        const type = FROM_LOG[event.type]!;
        const { type: _logType, ...data } = JSON.parse(payload) as Record<string, unknown>;
        const row: NewWebhookOutboxRow = {
          id: newId(),
          webhook_id: hook.id,
          event_id: event.id,
          event_type: type,
          body: webhookBody({ id: event.id, type, createdAt: event.created_at, data }),
          state: 'pending',
          attempts: 0,
          next_attempt_at: now,
          claimed_until: null,
          claim_token: null,
          created_at: now,
          delivered_at: null,
        };
        return [row];
      });
      // 12 columns a row: 80 rows a statement stay far below SQLite's variable limit.
      for (let i = 0; i < rows.length; i += 80) {
        await trx
          .insertInto('webhook_outbox')
          .values(rows.slice(i, i + 80))
          // Never twice, whatever happens: the same event for the same hook is one row.
          .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
          .execute();
      }
      queued += rows.length;
      await trx
        .updateTable('webhooks')
        .set({ cursor: full ? events.at(-1)!.id : head })
        .where('id', '=', hook.id)
        .where('state', '=', 'active')
        .execute();
    }
    return { queued, more, hooks: hooks.length };
  });
}

/** Due rows of active hooks, claimed for `leaseMs` (see `claimDue` of the notification outbox). */
async function claimDueDeliveries(
  deps: Pick<ApiDeps, 'db' | 'clock'>,
  token: string,
  limit: number,
  leaseMs: number,
): Promise<WebhookOutboxRow[]> {
  const now = new Date(deps.clock.now()).toISOString();
  return deps.db
    .updateTable('webhook_outbox')
    .set({ claim_token: token, claimed_until: new Date(deps.clock.now() + leaseMs).toISOString() })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_outbox')
        .select('id')
        .where('next_attempt_at', '<=', now)
        .where('webhook_id', 'in', (inner) =>
          inner.selectFrom('webhooks').select('id').where('state', '=', 'active'),
        )
        .where((e) => e.or([e('claimed_until', 'is', null), e('claimed_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit),
    )
    .where('next_attempt_at', 'is not', null)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .returningAll()
    .execute();
}

interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One signed POST; any 2xx is success, anything else (redirects included) a failure. */
async function post(
  deps: Pick<ApiDeps, 'clock'>,
  hook: { url: string; secret: string },
  row: WebhookOutboxRow,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const timestamp = String(Math.floor(deps.clock.now() / 1000));
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Parley-Webhook/1',
        'parley-event-id': row.event_id,
        'parley-event-type': row.event_type,
        'parley-timestamp': timestamp,
        'parley-signature': webhookSignature(hook.secret, timestamp, row.body),
      },
      body: row.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      statusCode: response.status,
      error: ok ? null : `HTTP ${response.status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      statusCode: null,
      error: (cause ? `${message} (${cause})` : message).slice(0, ERROR_MAX_LENGTH),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/**
 * Delivers integration webhooks: reads the event log after each hook's cursor into the webhook
 * outbox, then POSTs due rows, retrying with backoff (`retryDelayMs`, as notifications do) and
 * disabling a hook after `disableAfterFailures` failed attempts in a row. Everything is in the
 * database (cursors, outbox, claims), so a restart loses nothing: the next pass carries on.
 * With several instances the log is read by one at a time (advisory lock) and each row is
 * delivered by the one instance that claimed it. With no active webhook a pass is one read of
 * the webhooks table and sends do nothing at all for webhooks.
 */
export function startWebhookDispatcher(
  deps: ApiDeps,
  options: WebhookDispatchOptions,
): WebhookDispatcher {
  const batchSize = options.batchSize ?? 100;
  const leaseMs = Math.max(60_000, options.timeoutMs * 3);
  const retentionMs = options.retentionMs ?? 7 * 24 * HOUR_MS;
  const { logger } = deps;
  let lastPrune = 0;
  let anyHook = false;

  async function settle(
    row: WebhookOutboxRow,
    token: string,
    result: AttemptResult,
  ): Promise<WebhookAttemptOutcome> {
    const attempts = Number(row.attempts) + 1;
    const now = nowIso(deps);
    return deps.db.transaction().execute(async (trx) => {
      let outcome: WebhookAttemptOutcome;
      if (result.ok) {
        outcome = 'delivered';
        await trx
          .updateTable('webhook_outbox')
          .set({
            state: 'delivered',
            attempts,
            next_attempt_at: null,
            delivered_at: now,
            claim_token: null,
            claimed_until: null,
          })
          .where('id', '=', row.id)
          .where('claim_token', '=', token)
          .execute();
        await trx
          .updateTable('webhooks')
          .set({ consecutive_failures: 0 })
          .where('id', '=', row.webhook_id)
          .where('consecutive_failures', '>', 0)
          .execute();
      } else {
        const giveUp = attempts >= options.retry.maxAttempts;
        outcome = giveUp ? 'gave_up' : 'retrying';
        await trx
          .updateTable('webhook_outbox')
          .set({
            state: giveUp ? 'failed' : 'pending',
            attempts,
            next_attempt_at: giveUp
              ? null
              : new Date(deps.clock.now() + retryDelayMs(options.retry, attempts)).toISOString(),
            claim_token: null,
            claimed_until: null,
          })
          .where('id', '=', row.id)
          .where('claim_token', '=', token)
          .execute();
        const hook = await trx
          .updateTable('webhooks')
          .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
          .where('id', '=', row.webhook_id)
          .returning(['consecutive_failures', 'state'])
          .executeTakeFirst();
        if (
          hook &&
          hook.state === 'active' &&
          Number(hook.consecutive_failures) >= options.disableAfterFailures
        ) {
          outcome = 'hook_disabled';
          await trx
            .updateTable('webhooks')
            .set({
              state: 'disabled',
              disabled_at: now,
              disabled_reason: `${hook.consecutive_failures} consecutive failed deliveries (last: ${result.error})`,
            })
            .where('id', '=', row.webhook_id)
            .execute();
        }
      }
      await trx
        .insertInto('webhook_deliveries')
        .values({
          id: newId(),
          webhook_id: row.webhook_id,
          event_id: row.event_id,
          event_type: row.event_type,
          attempt: attempts,
          outcome,
          status_code: result.statusCode,
          error: result.error,
          duration_ms: result.durationMs,
          created_at: now,
        })
        .execute();
      return outcome;
    });
  }

  async function deliverDue(signal: AbortSignal): Promise<boolean> {
    const token = newId();
    const rows = await claimDueDeliveries(deps, token, batchSize, leaseMs);
    if (rows.length === 0) return false;
    const hooks = new Map(
      (
        await deps.db
          .selectFrom('webhooks')
          .select(['id', 'url', 'secret'])
          .where('id', 'in', [...new Set(rows.map((r) => r.webhook_id))])
          .execute()
      ).map((h) => [h.id, h]),
    );
    // One receiver's rows one after another (in event order), different receivers in parallel.
    const byHook = new Map<string, WebhookOutboxRow[]>();
    for (const row of rows)
      byHook.set(row.webhook_id, [...(byHook.get(row.webhook_id) ?? []), row]);
    await Promise.all(
      [...byHook].map(async ([hookId, hookRows]) => {
        for (const row of hookRows.sort((a, b) => (a.event_id < b.event_id ? -1 : 1))) {
          const hook = hooks.get(hookId);
          if (!hook || signal.aborted) return; // deleted meanwhile, or closing: claims run out
          const result = await post(deps, hook, row, options.timeoutMs);
          try {
            const outcome = await settle(row, token, result);
            options.onAttempt?.(outcome);
            if (outcome !== 'delivered') {
              logger.warn(
                { webhookId: hookId, eventId: row.event_id, outcome, reason: result.error },
                'webhook delivery failed',
              );
            }
            if (outcome === 'hook_disabled') return;
          } catch (err) {
            // The claim runs out and the row is tried again.
            logger.error({ err, webhookId: hookId }, 'webhook settle failed');
          }
        }
      }),
    );
    return rows.length === batchSize;
  }

  async function prune(): Promise<void> {
    const cutoff = new Date(deps.clock.now() - retentionMs).toISOString();
    await deps.db
      .deleteFrom('webhook_outbox')
      .where('state', '=', 'delivered')
      .where('created_at', '<', cutoff)
      .execute();
    await deps.db.deleteFrom('webhook_deliveries').where('created_at', '<', cutoff).execute();
  }

  async function pass(signal: AbortSignal): Promise<void> {
    if (deps.clock.now() - lastPrune > HOUR_MS) {
      lastPrune = deps.clock.now();
      await prune();
    }
    // With no active webhook, a pass is this one read: no log read, no claim (an UPDATE).
    const active = await deps.db
      .selectFrom('webhooks')
      .select('id')
      .where('state', '=', 'active')
      .limit(1)
      .executeTakeFirst();
    anyHook = active !== undefined;
    if (!active) return;
    for (;;) {
      const tail = await tailEventLogForWebhooks(deps, batchSize);
      anyHook = tail.hooks > 0;
      if (!tail.more || signal.aborted) break;
    }
    while (!signal.aborted && (await deliverDue(signal))) {}
  }

  const job = startPeriodicJob(
    deps,
    { intervalMs: options.pollMs, failure: 'webhook dispatch failed' },
    pass,
  );
  const kick = () => {
    job.run().catch((err) => logger.error({ err }, 'webhook dispatch failed'));
  };
  // Only while a hook exists: with none, log activity costs the dispatcher nothing.
  const unobserve = options.hub?.observe(LOG_TYPES, () => {
    if (anyHook) kick();
  });
  kick();
  return {
    run: () => job.run(),
    async close() {
      unobserve?.();
      await job.stop();
    },
  };
}
