import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { dialectOf } from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { fileKeys } from '../files/files.ts';
import { postSystemMessage, systemPayload } from '../groups/system-messages.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import { requireMember } from '../shared/access.ts';
import { conversationSummary, RETENTION_SECONDS, retentionOf } from '../shared/mappers.ts';
import { startPeriodicJob } from '../shared/periodic.ts';
import type { ConversationDto, MessageRetention } from '../shared/schemas.ts';
import { getConversation } from './conversations.ts';

/** Held (PostgreSQL, per batch transaction) so one instance at a time deletes messages. */
export const MESSAGE_PRUNE_LOCK_KEY = 0x70617234; // "par4"

/** Messages deleted per transaction. */
const PRUNE_BATCH = 200;

/** Events that are about messages (the rest of a conversation's history is kept). */
const MESSAGE_EVENT_TYPES = [
  'message.created',
  'message.edited',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'receipt',
];

/**
 * Sets a conversation's disappearing-messages period: a group's admins, or either member of
 * a direct chat. Members learn it from `conversation.updated` and a system message.
 */
export async function setMessageRetention(
  deps: ApiDeps,
  callerId: string,
  input: { conversationId: string; retention: MessageRetention },
): Promise<ConversationDto> {
  await writeWithEvents(deps, async (trx, emit) => {
    const member = await requireMember(trx, input.conversationId, callerId);
    const conversation = await trx
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', input.conversationId)
      .executeTakeFirstOrThrow();
    if (conversation.type === 'group' && member.role !== 'admin') {
      throw new DomainError({ code: 'FORBIDDEN', message: 'Only group admins can do this' });
    }
    if (retentionOf(conversation.message_retention_seconds) === input.retention) return;
    const seconds = input.retention === 'off' ? null : RETENTION_SECONDS[input.retention];
    const updated = {
      ...conversation,
      message_retention_seconds: seconds,
      updated_at: nowIso(deps),
    };
    await trx
      .updateTable('conversations')
      .set({ message_retention_seconds: seconds, updated_at: updated.updated_at })
      .where('id', '=', conversation.id)
      .execute();
    emit({
      event: {
        type: 'conversation.updated',
        conversationId: conversation.id,
        conversation: conversationSummary(updated),
      },
    });
    await postSystemMessage(
      deps,
      trx,
      emit,
      conversation.id,
      callerId,
      systemPayload('retention_changed', callerId, { retention: input.retention }),
    );
  });
  return getConversation(deps, callerId, input.conversationId);
}

export interface MessagePruneResult {
  messages: number;
  files: number;
  events: number;
}

/**
 * Deletes, for everyone, the messages older than their conversation's retention, with their
 * reactions, attachments and files (rows and bytes, unless another message or an avatar still
 * uses the file), search index entries, and the message events (created, edited, deleted,
 * reactions, receipts) of that period. Batched: at most 200 messages per short transaction,
 * oldest first; restart-safe (each batch commits whole; a new run continues from what is
 * left) and, on PostgreSQL, one instance at a time (an advisory lock taken without waiting).
 */
export async function pruneExpiredMessages(
  deps: ApiDeps,
  options: { signal?: AbortSignal; batchSize?: number } = {},
): Promise<MessagePruneResult> {
  const batchSize = options.batchSize ?? PRUNE_BATCH;
  const total: MessagePruneResult = { messages: 0, files: 0, events: 0 };
  let after = '';
  for (;;) {
    const conversations = await deps.db
      .selectFrom('conversations')
      .select(['id', 'message_retention_seconds'])
      .where('message_retention_seconds', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(100)
      .execute();
    for (const c of conversations) {
      const cutoff = new Date(deps.clock.now() - c.message_retention_seconds! * 1000).toISOString();
      for (;;) {
        if (options.signal?.aborted) return total;
        const batch = await pruneBatch(deps, c.id, cutoff, batchSize);
        if (!batch) return total; // another instance is pruning
        total.messages += batch.messages;
        total.events += batch.events;
        total.files += batch.fileIds.length;
        for (const fileId of batch.fileIds) {
          try {
            await deps.blobs.deletePrefix(fileKeys.prefix(fileId));
          } catch (error) {
            // The row is a tombstone already: nobody can read the bytes.
            deps.logger.error({ err: error, fileId }, 'removing expired file bytes failed');
          }
        }
        if (batch.messages < batchSize && batch.events < batchSize) break;
        await yieldToOthers();
      }
    }
    if (conversations.length < 100) return total;
    after = conversations.at(-1)!.id;
  }
}

async function pruneBatch(deps: ApiDeps, conversationId: string, cutoff: string, size: number) {
  return deps.db.transaction().execute(async (trx) => {
    if (dialectOf(trx) === 'postgres') {
      const { rows } = await sql<{ ok: boolean }>`
        select pg_try_advisory_xact_lock(${MESSAGE_PRUNE_LOCK_KEY}) as ok`.execute(trx);
      if (!rows[0]?.ok) return null;
    }
    // Oldest first by seq, which follows time: stop at the first message still in the period.
    const rows = await trx
      .selectFrom('messages')
      .select(['id', 'created_at'])
      .where('conversation_id', '=', conversationId)
      .orderBy('seq')
      .limit(size)
      .execute();
    const ids: string[] = [];
    for (const row of rows) {
      if (row.created_at >= cutoff) break;
      ids.push(row.id);
    }
    const fileIds =
      ids.length === 0
        ? []
        : (
            await trx
              .selectFrom('message_attachments')
              .select('file_id')
              .where('message_id', 'in', ids)
              .execute()
          ).map((r) => r.file_id);
    // Reactions, attachments, notifications and broadcast deliveries go with the rows; the
    // search index follows by trigger (SQLite) or with the row (PostgreSQL).
    if (ids.length > 0) await trx.deleteFrom('messages').where('id', 'in', ids).execute();
    const orphans: string[] = [];
    for (const fileId of new Set(fileIds)) {
      const used =
        (await trx
          .selectFrom('message_attachments')
          .select('file_id')
          .where('file_id', '=', fileId)
          .executeTakeFirst()) ??
        (await trx
          .selectFrom('users')
          .select('id')
          .where('avatar_file_id', '=', fileId)
          .executeTakeFirst()) ??
        (await trx
          .selectFrom('conversations')
          .select('id')
          .where('avatar_file_id', '=', fileId)
          .executeTakeFirst());
      if (used) continue;
      await trx
        .updateTable('files')
        .set({ deleted_at: nowIso(deps) })
        .where('id', '=', fileId)
        .where('deleted_at', 'is', null)
        .execute();
      orphans.push(fileId);
    }
    // The period's message events, by the conversation's index range, oldest first.
    const events = await trx
      .selectFrom('events')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .where('created_at', '<', cutoff)
      .where('type', 'in', MESSAGE_EVENT_TYPES)
      .orderBy('id')
      .limit(size)
      .execute();
    if (events.length > 0) {
      await trx
        .deleteFrom('events')
        .where(
          'id',
          'in',
          events.map((e) => e.id),
        )
        .execute();
    }
    return { messages: ids.length, events: events.length, fileIds: orphans };
  });
}

export interface MessageRetentionPruner {
  prune(): Promise<MessagePruneResult>;
  stop(): Promise<void>;
}

/** Runs `pruneExpiredMessages` every `intervalMs` (the timer never keeps the process alive). */
export function startMessageRetentionPruner(
  deps: ApiDeps,
  options: { intervalMs: number },
): MessageRetentionPruner {
  const job = startPeriodicJob(
    deps,
    { intervalMs: options.intervalMs, failure: 'message retention failed' },
    async (signal) => {
      const result = await pruneExpiredMessages(deps, { signal });
      if (result.messages + result.events > 0) deps.logger.info(result, 'expired messages deleted');
      return result;
    },
  );
  return { prune: job.run, stop: job.stop };
}
