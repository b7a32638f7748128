import type { BroadcastListRow, DbOrTx } from '@parley/db';
import { pooledRandom } from '@parley/db';
import { monotonicFactory } from 'ulid';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { requireUsers } from '../groups/access.ts';
import { nowIso } from '../live/write.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import type { BroadcastDto } from '../shared/schemas.ts';

// Lists page newest first by id, so ids made in the same millisecond must still increase.
const newListId = monotonicFactory(pooledRandom);

/** The caller's own list, or NOT_FOUND: nobody else learns that a list exists. */
export async function requireOwnList(
  db: DbOrTx,
  listId: string,
  ownerId: string,
): Promise<BroadcastListRow> {
  const list = await db
    .selectFrom('broadcast_lists')
    .selectAll()
    .where('id', '=', listId)
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  if (!list) throw notFound('Broadcast list');
  return list;
}

/** Distinct recipients without the owner, within the configured limit, all existing users. */
async function checkRecipients(
  deps: ApiDeps,
  db: DbOrTx,
  ownerId: string,
  userIds: string[],
): Promise<string[]> {
  const recipients = [...new Set(userIds)].filter((id) => id !== ownerId);
  if (recipients.length === 0) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'A broadcast list needs a recipient' });
  }
  if (recipients.length > deps.limits.broadcastMaxRecipients) {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: `A broadcast list has at most ${deps.limits.broadcastMaxRecipients} recipients`,
    });
  }
  await requireUsers(db, recipients);
  return recipients;
}

async function toBroadcastDtos(db: DbOrTx, lists: BroadcastListRow[]): Promise<BroadcastDto[]> {
  if (lists.length === 0) return [];
  const recipients = await db
    .selectFrom('broadcast_recipients')
    .select(['list_id', 'user_id'])
    .where(
      'list_id',
      'in',
      lists.map((l) => l.id),
    )
    .orderBy('user_id')
    .execute();
  return lists.map((l) => ({
    id: l.id,
    name: l.name,
    recipientIds: recipients.filter((r) => r.list_id === l.id).map((r) => r.user_id),
    createdAt: l.created_at,
    updatedAt: l.updated_at,
  }));
}

export async function createBroadcast(
  deps: ApiDeps,
  ownerId: string,
  input: { name: string; recipientIds: string[] },
): Promise<BroadcastDto> {
  const list = await deps.db.transaction().execute(async (trx) => {
    const recipients = await checkRecipients(deps, trx, ownerId, input.recipientIds);
    const now = nowIso(deps);
    const row: BroadcastListRow = {
      id: newListId(),
      owner_id: ownerId,
      name: input.name,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('broadcast_lists').values(row).execute();
    await trx
      .insertInto('broadcast_recipients')
      .values(recipients.map((user_id) => ({ list_id: row.id, user_id, added_at: now })))
      .execute();
    return row;
  });
  const [dto] = await toBroadcastDtos(deps.db, [list]);
  return dto!;
}

/** The caller's lists, newest first. */
export async function listBroadcasts(
  deps: ApiDeps,
  ownerId: string,
  input: { cursor?: string | null; limit?: number },
): Promise<{ items: BroadcastDto[]; nextCursor: string | null }> {
  const limit = pageLimit(deps.limits, input.limit);
  let query = deps.db.selectFrom('broadcast_lists').selectAll().where('owner_id', '=', ownerId);
  const after = decodeCursor(input.cursor, 1);
  if (after) query = query.where('id', '<', after[0]!);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
  return { items: await toBroadcastDtos(deps.db, page), nextCursor };
}

/** Renames and/or replaces the recipients. Earlier sends keep their recipients. */
export async function updateBroadcast(
  deps: ApiDeps,
  ownerId: string,
  input: { broadcastId: string; name?: string; recipientIds?: string[] },
): Promise<BroadcastDto> {
  const list = await deps.db.transaction().execute(async (trx) => {
    const list = await requireOwnList(trx, input.broadcastId, ownerId);
    const now = nowIso(deps);
    if (input.recipientIds) {
      const recipients = await checkRecipients(deps, trx, ownerId, input.recipientIds);
      await trx
        .deleteFrom('broadcast_recipients')
        .where('list_id', '=', list.id)
        .where('user_id', 'not in', recipients)
        .execute();
      await trx
        .insertInto('broadcast_recipients')
        .values(recipients.map((user_id) => ({ list_id: list.id, user_id, added_at: now })))
        .onConflict((oc) => oc.columns(['list_id', 'user_id']).doNothing())
        .execute();
    }
    const updated = { ...list, name: input.name ?? list.name, updated_at: now };
    await trx
      .updateTable('broadcast_lists')
      .set({ name: updated.name, updated_at: now })
      .where('id', '=', list.id)
      .execute();
    return updated;
  });
  const [dto] = await toBroadcastDtos(deps.db, [list]);
  return dto!;
}

/** Deletes the list and its send records; the messages stay in each direct chat. */
export async function deleteBroadcast(
  deps: ApiDeps,
  ownerId: string,
  broadcastId: string,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const list = await requireOwnList(trx, broadcastId, ownerId);
    await trx.deleteFrom('broadcast_lists').where('id', '=', list.id).execute();
  });
}
