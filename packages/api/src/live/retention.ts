import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { type DbOrTx, dialectOf, latestEventId } from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { startPeriodicJob } from '../shared/periodic.ts';

const PRUNED_THROUGH = 'pruned_through';

/** Held (PostgreSQL, per batch transaction) so one instance at a time prunes the log. */
export const EVENT_PRUNE_LOCK_KEY = 0x70617233; // "par3"

/** Events deleted per transaction: each one is short, and writers go between them. */
const PRUNE_BATCH = 1000;

/** The newest event id retention deleted ('' if none): the log holds nothing up to it. */
export async function prunedThrough(db: DbOrTx): Promise<string> {
  const row = await db
    .selectFrom('event_log_state')
    .select('value')
    .where('name', '=', PRUNED_THROUGH)
    .executeTakeFirst();
  return row?.value ?? '';
}

/** The answer to a resume the log can no longer serve: reload state, then subscribe anew. */
export function resyncRequired(): DomainError {
  return new DomainError({
    code: 'PRECONDITION_FAILED',
    reason: 'RESYNC_REQUIRED',
    message:
      'RESYNC_REQUIRED: events after this id are no longer kept; reload your conversations and history, then subscribe from events.head',
  });
}

/**
 * Deletes the oldest events, created before `olderThanIso`, in batches of 1,000 in their own
 * short transactions (yielding between them, so writers and readers go on), and moves
 * `pruned_through` with each batch. Only ever a prefix of the log goes, and never the newest
 * event (ids continue from it). On PostgreSQL each batch takes a transaction-level advisory
 * lock without waiting: if another instance holds it, this one stops and leaves the work to
 * it. Restart-safe: every batch commits whole, and the next run starts where it stopped.
 * Returns the number of events deleted.
 */
export async function pruneEventLog(
  deps: Pick<ApiDeps, 'db'>,
  olderThanIso: string,
  options: { signal?: AbortSignal; batchSize?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? PRUNE_BATCH;
  let deleted = 0;
  while (!options.signal?.aborted) {
    const count = await deps.db.transaction().execute(async (trx) => {
      if (dialectOf(trx) === 'postgres') {
        const { rows } = await sql<{ ok: boolean }>`
          select pg_try_advisory_xact_lock(${EVENT_PRUNE_LOCK_KEY}) as ok`.execute(trx);
        if (!rows[0]?.ok) return 0;
      }
      const from = await prunedThrough(trx);
      const newest = (await latestEventId(trx)) ?? '';
      const rows = await trx
        .selectFrom('events')
        .select(['id', 'created_at'])
        .where('id', '>', from)
        .where('id', '<', newest)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      // The prefix older than the cut-off (ids follow commit time, so it stops at the first
      // younger event and never leaves a hole).
      let through = -1;
      while (through + 1 < rows.length && rows[through + 1]!.created_at < olderThanIso) {
        through += 1;
      }
      if (through < 0) return 0;
      const last = rows[through]!.id;
      await trx.deleteFrom('events').where('id', '>', from).where('id', '<=', last).execute();
      await trx
        .insertInto('event_log_state')
        .values({ name: PRUNED_THROUGH, value: last })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: last }))
        .execute();
      return through + 1;
    });
    deleted += count;
    if (count < batchSize) break;
    await yieldToOthers();
  }
  return deleted;
}

export interface EventLogPruner {
  /** Prunes now (the timer also does); concurrent calls share one run. */
  prune(): Promise<number>;
  stop(): Promise<void>;
}

/** Prunes events older than `retentionDays` every `intervalMs`; 0 days keeps them forever. */
export function startEventLogPruner(
  deps: ApiDeps,
  options: { retentionDays: number; intervalMs: number },
): EventLogPruner {
  const job = startPeriodicJob(
    deps,
    { intervalMs: options.intervalMs, failure: 'event log pruning failed' },
    async (signal) => {
      const cutoff = deps.clock.now() - options.retentionDays * 24 * 3600_000;
      const deleted = await pruneEventLog(deps, new Date(cutoff).toISOString(), { signal });
      if (deleted > 0) deps.logger.info({ deleted }, 'pruned the event log');
      return deleted;
    },
  );
  return {
    prune: () => (options.retentionDays <= 0 ? Promise.resolve(0) : job.run()),
    stop: job.stop,
  };
}
