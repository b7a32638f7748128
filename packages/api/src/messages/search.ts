import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { catchUpSearchIndex, type DbOrTx, searchMessages, searchTerms } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { requireMember } from '../shared/access.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import { toMessageDto } from '../shared/mappers.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { withReactions } from './queries.ts';

/** Indexes everything not yet in the full-text index (SQLite; nothing to do on PostgreSQL). */
async function catchUp(db: DbOrTx): Promise<void> {
  const PAGE = 5000;
  while ((await catchUpSearchIndex(db, PAGE)) === PAGE) {
    // A large backlog (after an upgrade): other work runs between pages.
    await yieldToOthers();
  }
}

/**
 * Keeps the SQLite full-text index at most `intervalMs` behind the messages, off the send
 * path (searches catch up first, so they never miss a stored message).
 */
export function startSearchIndexer(deps: ApiDeps, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => catchUp(deps.db))
      .catch((err: unknown) => deps.logger.error({ err }, 'search indexing failed'));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Full-text search in the caller's conversations (or one of them), best match first. */
export async function searchMyMessages(
  deps: ApiDeps,
  userId: string,
  input: { q: string; conversationId?: string | null; cursor?: string | null; limit?: number },
): Promise<{ items: MessageDto[]; nextCursor: string | null }> {
  if (input.conversationId) await requireMember(deps.db, input.conversationId, userId);
  const limit = pageLimit(deps.limits, input.limit);
  // Relevance order has no stable key to resume from, so the cursor is an opaque offset.
  const offset = Number(decodeCursor(input.cursor, 1)?.[0] ?? 0) || 0;
  await catchUp(deps.db);
  const rows = await searchMessages(deps.db, {
    userId,
    terms: searchTerms(input.q),
    conversationId: input.conversationId,
    limit: limit + 1,
    offset,
  });
  const { page, nextCursor } = pageOf(rows, limit, () => [String(offset + limit)]);
  const items = (await withReactions(deps.db, page)).map(({ message, reactions }) =>
    toMessageDto(message, reactions),
  );
  return { items, nextCursor };
}
