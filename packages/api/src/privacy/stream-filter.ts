import type { DbOrTx } from '@parley/db';
import { blockRelationsOf } from '../blocks/blocks.ts';
import type { StreamEvent } from '../live/events.ts';
import type { StreamItem } from '../live/hub.ts';

/**
 * What one device's stream withholds or masks, per its user's blocks and privacy settings:
 * - presence, typing and receipt events of anyone the user blocked or was blocked by are
 *   dropped (live and on resume);
 * - with read receipts off, others' receipts arrive with `lastReadSeq: 0` (delivered only).
 * It starts from the database and follows the user's own `block.changed` / `privacy.updated`
 * events, and the hub's private notes when someone blocks or unblocks the user, so it costs
 * no query per event.
 */
export interface StreamFilter {
  /** The item to yield (possibly masked), or null to withhold it. */
  apply(item: StreamItem): StreamItem | null;
  /** Someone blocked (or unblocked) this user: a note from the hub, never yielded. */
  blockedBy(blockerId: string, blocked: boolean): void;
}

export async function loadStreamFilter(db: DbOrTx, userId: string): Promise<StreamFilter> {
  const [{ blocked, blockedBy }, me] = await Promise.all([
    blockRelationsOf(db, userId),
    db.selectFrom('users').select('read_receipts').where('id', '=', userId).executeTakeFirst(),
  ]);
  let readReceipts = Number(me?.read_receipts ?? 1) === 1;
  const hidden = (id: string) => blocked.has(id) || blockedBy.has(id);

  function durable(event: StreamEvent): StreamEvent | null {
    if (event.type === 'block.changed') {
      if (event.blocked) blocked.add(event.userId);
      else blocked.delete(event.userId);
      return event;
    }
    if (event.type === 'privacy.updated') {
      readReceipts = event.privacy.readReceipts;
      return event;
    }
    if (event.type !== 'receipt' || event.userId === userId) return event;
    if (hidden(event.userId)) return null;
    return readReceipts ? event : { ...event, lastReadSeq: 0 };
  }

  return {
    apply(item) {
      if (item.kind === 'ephemeral') {
        return hidden(item.event.userId) && item.event.userId !== userId ? null : item;
      }
      const event = durable(item.event);
      if (!event) return null;
      return event === item.event ? item : { kind: 'durable', event };
    },
    blockedBy(blockerId, isBlocked) {
      if (isBlocked) blockedBy.add(blockerId);
      else blockedBy.delete(blockerId);
    },
  };
}
