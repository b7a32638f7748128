import { searchMessages, searchTerms } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { requireMember } from '../shared/access.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import { toMessageDto } from '../shared/mappers.ts';
import type { MessageDto } from '../shared/schemas.ts';
import { withReactions } from './queries.ts';

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
