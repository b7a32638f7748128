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
  return new DeviceFilter(
    userId,
    blocked.size > 0 ? blocked : undefined,
    blockedBy.size > 0 ? blockedBy : undefined,
    Number(me?.read_receipts ?? 1) === 1,
  );
}

/**
 * One stream's filter: one object, its steps on the prototype (a stream lives as long as its
 * device is connected). The sets exist only while they hold someone: most users block nobody.
 */
class DeviceFilter implements StreamFilter {
  constructor(
    private readonly userId: string,
    private blocked: Set<string> | undefined,
    private blockers: Set<string> | undefined,
    private readReceipts: boolean,
  ) {}

  private hidden(id: string): boolean {
    return (this.blocked?.has(id) ?? false) || (this.blockers?.has(id) ?? false);
  }

  private durable(event: StreamEvent): StreamEvent | null {
    if (event.type === 'block.changed') {
      if (event.blocked) this.blocked = added(this.blocked, event.userId);
      else this.blocked?.delete(event.userId);
      return event;
    }
    if (event.type === 'privacy.updated') {
      this.readReceipts = event.privacy.readReceipts;
      return event;
    }
    if (event.type !== 'receipt' || event.userId === this.userId) return event;
    if (this.hidden(event.userId)) return null;
    return this.readReceipts ? event : { ...event, lastReadSeq: 0 };
  }

  apply(item: StreamItem): StreamItem | null {
    if (item.kind === 'ephemeral') {
      return this.hidden(item.event.userId) && item.event.userId !== this.userId ? null : item;
    }
    const event = this.durable(item.event);
    if (!event) return null;
    return event === item.event ? item : { kind: 'durable', event };
  }

  blockedBy(blockerId: string, isBlocked: boolean): void {
    if (isBlocked) this.blockers = added(this.blockers, blockerId);
    else this.blockers?.delete(blockerId);
  }
}

function added(set: Set<string> | undefined, id: string): Set<string> {
  const result = set ?? new Set<string>();
  result.add(id);
  return result;
}
