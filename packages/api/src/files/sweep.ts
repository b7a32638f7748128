import type { ApiDeps } from '../deps.ts';
import { fileKeys } from './files.ts';

const BATCH = 100;

/**
 * Removes uploads that were never attached (to a message or as an avatar) within
 * `olderThanMs` of their upload: row first, then bytes. A file attached meanwhile keeps its
 * row (the delete re-checks `attached_at`), and attaching locks the row on PostgreSQL.
 * Returns how many files were removed.
 */
export async function sweepUnattachedFiles(deps: ApiDeps, olderThanMs: number): Promise<number> {
  const cutoff = new Date(deps.clock.now() - olderThanMs).toISOString();
  let removed = 0;
  for (;;) {
    const candidates = await deps.db
      .selectFrom('files')
      .select('id')
      .where('attached_at', 'is', null)
      .where('created_at', '<', cutoff)
      .orderBy('created_at')
      .limit(BATCH)
      .execute();
    for (const { id } of candidates) {
      const result = await deps.db
        .deleteFrom('files')
        .where('id', '=', id)
        .where('attached_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) continue;
      removed += 1;
      try {
        await deps.blobs.deletePrefix(fileKeys.prefix(id));
      } catch (error) {
        deps.logger.error({ err: error, fileId: id }, 'removing swept file bytes failed');
      }
    }
    if (candidates.length < BATCH) return removed;
  }
}
